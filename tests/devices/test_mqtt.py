"""The MQTT path end to end: a real broker, the real worker, the real database.

The broker is MQTT_URL when set (CI's second path: the machine's Mosquitto) and otherwise the
embedded amqtt broker that `make demo` uses (the fresh-machine path). The redelivery and the
broker-ACL tests need Mosquitto: MQTT_URL, or a private one started from the machine's binary
(with the dynamic-security plugin for the ACL tests); they are skipped where neither exists.
"""

import json
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from devices.brokers import free_port, mosquitto_available, mosquitto_start
from devices.models import DeadLetter
from devices.mqtt import BrokerAddress, broker_address, topic_for
from devices.services.registry import device_create, device_revoke
from devices.worker import IngestionWorker
from tests.cluster_platform.factories import ClusterFactory
from tests.devices.factories import DeviceFactory, DeviceTypeFactory
from tests.enterprises.factories import EnterpriseFactory, MembershipFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def broker():
    """(address, speaks MQTT 5) of the broker under test."""
    if settings.MQTT_URL:
        yield broker_address(settings.MQTT_URL), True
        return
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from devices.brokers import embedded_broker_run; embedded_broker_run(port={port})",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until(lambda: _port_open(port), what="the embedded broker")
        yield BrokerAddress(host="127.0.0.1", port=port), False
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def mosquitto(tmp_path_factory):
    """A Mosquitto speaking MQTT 5: MQTT_URL, or a private one; skipped where there is none."""
    if settings.MQTT_URL:
        yield broker_address(settings.MQTT_URL)
        return
    if not mosquitto_available():
        pytest.skip("no Mosquitto on this machine")
    private = mosquitto_start(workdir=tmp_path_factory.mktemp("mosquitto"))
    yield BrokerAddress(host="127.0.0.1", port=private.port)
    private.stop()


@pytest.fixture(scope="module")
def dynsec_mosquitto(tmp_path_factory):
    if not mosquitto_available(dynsec=True):
        pytest.skip("no Mosquitto with the dynamic-security plugin on this machine")
    private = mosquitto_start(workdir=tmp_path_factory.mktemp("dynsec"), dynsec=True)
    yield private
    private.stop()


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _wait_until(condition, *, what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _stored(device) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq FROM devices_telemetry WHERE device_id = %s ORDER BY seq", [device.pk])
        return [row[0] for row in cursor.fetchall()]


def _publisher(address: BrokerAddress, *, mqtt5: bool, username=None, password=None) -> mqtt.Client:
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"test-pub-{uuid.uuid4().hex[:8]}",
        protocol=mqtt.MQTTv5 if mqtt5 else mqtt.MQTTv311,
    )
    if username:
        client.username_pw_set(username, password)
    client.connect(address.host, address.port)
    client.loop_start()
    return client


def _payload(seq: int, **values) -> bytes:
    return json.dumps(
        {
            "ts": int(timezone.now().timestamp() * 1000),
            "seq": seq,
            "values": values or {"spindle_speed": 1500},
        }
    ).encode()


class _WorkerThread:
    def __init__(self, address, *, mqtt5, client_id=None, group=None):
        self.worker = IngestionWorker(
            address=address,
            client_id=client_id or f"test-ingest-{uuid.uuid4().hex[:8]}",
            share_group=(group or f"test-{uuid.uuid4().hex[:8]}") if mqtt5 else None,
            mqtt5=mqtt5,
            batch_size=100,
            max_wait_s=0.05,
        )
        self.thread = threading.Thread(target=self.worker.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        _wait_until(self.worker.connected.is_set, what="the worker to connect")
        time.sleep(0.5)  # the subscription is sent on connect; let the broker register it
        return self.worker

    def __exit__(self, *exc):
        self.worker.stop()
        self.thread.join(timeout=10)


def test_the_worker_stores_good_messages_and_dead_letters_bad_ones(transactional_db, broker):
    address, mqtt5 = broker
    device = DeviceFactory(device_type=DeviceTypeFactory(code="cnc"))
    stranger = DeviceFactory(device_type=device.device_type)  # another cluster's device
    own_topic = topic_for(cluster_slug=device.cluster.slug, device_id=device.pk)
    with _WorkerThread(address, mqtt5=mqtt5):
        publisher = _publisher(address, mqtt5=mqtt5)
        for seq in range(20):
            publisher.publish(own_topic, _payload(seq), qos=1).wait_for_publish(10)
        publisher.publish(own_topic, b"not json at all", qos=1).wait_for_publish(10)
        publisher.publish(own_topic, _payload(99, temperature=3), qos=1).wait_for_publish(10)
        publisher.publish(own_topic, b"{" + b" " * 20000 + b"}", qos=1).wait_for_publish(10)
        # A device publishing under another cluster's topic: refused even though the broker let it in.
        publisher.publish(
            topic_for(cluster_slug=device.cluster.slug, device_id=stranger.pk), _payload(1), qos=1
        ).wait_for_publish(10)
        # The same 20 messages again (a device resending after a reconnect): stored once.
        for seq in range(20):
            publisher.publish(own_topic, _payload(seq), qos=1).wait_for_publish(10)
        _wait_until(lambda: DeadLetter.objects.count() >= 4 and len(_stored(device)) >= 20, what="ingestion")
        publisher.disconnect()
    # The resent messages carry new timestamps; what is stored once is each (device, seq, ts).
    assert sorted(set(_stored(device))) == list(range(20))
    reasons = sorted(DeadLetter.objects.values_list("reason", flat=True))
    assert reasons == ["not_json", "oversized", "unknown_key", "wrong_topic"]
    assert _stored(stranger) == []


def test_unacknowledged_messages_come_back_after_a_crash_and_are_stored_once(transactional_db, mosquitto):
    """A worker that dies after committing but before acknowledging gets the batch again; the
    database ignores it. One that dies before committing gets it again and stores it."""
    device = DeviceFactory(device_type=DeviceTypeFactory(code="cnc"))
    topic = topic_for(cluster_slug=device.cluster.slug, device_id=device.pk)
    client_id, group = f"test-crash-{uuid.uuid4().hex[:8]}", f"crash-{uuid.uuid4().hex[:8]}"

    # First life: commit, then die without acknowledging (the socket just closes).
    first = IngestionWorker(
        address=mosquitto, client_id=client_id, share_group=group, mqtt5=True, max_wait_s=0.05
    )
    first.client.ack = lambda mid, qos: None  # dies between commit and PUBACK
    first.connect()
    _wait_until(first.connected.is_set, what="the first worker")
    time.sleep(0.5)
    publisher = _publisher(mosquitto, mqtt5=True)
    for seq in range(10):
        publisher.publish(topic, _payload(seq), qos=1).wait_for_publish(10)
    received = []
    _wait_until(lambda: received.extend(first._next_batch()) or len(received) >= 10, what="delivery")
    first.process(received)
    assert _stored(device) == list(range(10))
    first.client.socket().close()
    first.client.loop_stop()
    # Published while no worker is connected: queued for the persistent session.
    for seq in range(10, 15):
        publisher.publish(topic, _payload(seq), qos=1).wait_for_publish(10)
    publisher.disconnect()

    # Second life, same session: the 10 unacknowledged come back (ignored) with the 5 queued.
    with _WorkerThread(mosquitto, mqtt5=True, client_id=client_id, group=group) as second:
        _wait_until(lambda: len(_stored(device)) >= 15 and second.totals.duplicates >= 10, what="redelivery")
    assert _stored(device) == list(range(15))
    assert second.totals.duplicates == 10


# --- Broker authentication and per-device ACLs (Mosquitto's dynamic-security plugin) ----------


def _connect_result(address: BrokerAddress, username: str, password: str):
    outcome = {}
    done = threading.Event()
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=f"dev-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv5
    )
    client.username_pw_set(username, password)

    def on_connect(client, userdata, flags, reason_code, properties):
        outcome["connect"] = reason_code
        done.set()

    client.on_connect = on_connect
    client.connect(address.host, address.port)
    client.loop_start()
    done.wait(10)
    return client, outcome.get("connect")


def _publish_result(client: mqtt.Client, topic: str) -> object:
    outcome = {}
    done = threading.Event()

    def on_publish(client, userdata, mid, reason_code, properties):
        outcome["reason"] = reason_code
        done.set()

    client.on_publish = on_publish
    client.publish(topic, _payload(1), qos=1)
    done.wait(10)
    return outcome.get("reason")


def test_device_credentials_publish_only_to_their_own_topic_and_revocation_locks_out(
    transactional_db, dynsec_mosquitto, settings
):
    settings.MQTT_DYNSEC_URL = dynsec_mosquitto.admin_url
    address = BrokerAddress(host="127.0.0.1", port=dynsec_mosquitto.port)
    device_type = DeviceTypeFactory(code="cnc")
    a, b = ClusterFactory(slug=f"a-{uuid.uuid4().hex[:6]}"), ClusterFactory(slug=f"b-{uuid.uuid4().hex[:6]}")
    enterprise = EnterpriseFactory()
    for cluster in (a, b):
        MembershipFactory(cluster=cluster, enterprise=enterprise, role="sme")
    issued_a = device_create(
        cluster=a, enterprise=enterprise, device_type=device_type, data={"name": "A号机"}
    )
    issued_b = device_create(
        cluster=b, enterprise=enterprise, device_type=device_type, data={"name": "B号机"}
    )
    device_a = issued_a.device

    client, connected = _connect_result(address, str(device_a.pk), "a wrong secret")
    assert connected is not None and connected.is_failure
    client.loop_stop()

    client, connected = _connect_result(address, str(device_a.pk), issued_a.secret)
    assert connected is not None and not connected.is_failure
    own = topic_for(cluster_slug=a.slug, device_id=device_a.pk)
    assert not _publish_result(client, own).is_failure
    # Into cluster B: under its own id, and as B's device.
    for foreign in (
        topic_for(cluster_slug=b.slug, device_id=device_a.pk),
        topic_for(cluster_slug=b.slug, device_id=issued_b.device.pk),
        topic_for(cluster_slug=a.slug, device_id=issued_b.device.pk),
    ):
        assert _publish_result(client, foreign).is_failure, foreign
    client.disconnect()
    client.loop_stop()

    device_revoke(cluster=a, device=device_a)
    client, connected = _connect_result(address, str(device_a.pk), issued_a.secret)
    assert connected is not None and connected.is_failure
    client.loop_stop()
