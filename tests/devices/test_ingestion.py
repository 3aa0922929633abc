"""The ingestion core: good readings stored once (COPY, ON CONFLICT), bad ones dead-lettered."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from devices.models import DeadLetter, DeviceHourly, DeviceStatus, DeviceStatusChange, TelemetryHourly
from devices.mqtt import topic_for
from devices.services.ingestion import InboundMessage, telemetry_ingest
from devices.services.partitions import telemetry_partitions_list, telemetry_partitions_maintain
from tests.cluster_platform.factories import ClusterFactory
from tests.devices.factories import FACTORY_SECRET, DeviceFactory, DeviceTypeFactory
from tests.enterprises.factories import member_user

pytestmark = pytest.mark.django_db


def message(device, seq, *, ts=None, values=None, topic=None, raw=None):
    ts = ts or timezone.now()
    payload = (
        raw
        if raw is not None
        else json.dumps(
            {"ts": int(ts.timestamp() * 1000), "seq": seq, "values": values or {"spindle_speed": 1000 + seq}}
        ).encode()
    )
    return InboundMessage(
        topic=topic or topic_for(cluster_slug=device.cluster.slug, device_id=device.pk),
        payload=payload,
        received_at=timezone.now(),
    )


def stored(device) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT seq, "values" FROM devices_telemetry WHERE device_id = %s ORDER BY seq', [device.pk]
        )
        return [(seq, json.loads(values) if isinstance(values, str) else values) for seq, values in cursor]


def test_a_batch_is_stored_with_rollups_latest_values_and_status(device):
    now = timezone.now()
    report = telemetry_ingest(
        messages=[
            message(device, seq, values={"spindle_speed": speed}) for seq, speed in enumerate([0, 800, 1200])
        ],
        now=now,
    )
    assert (report.accepted, report.duplicates, report.dead_lettered) == (3, 0, 0)
    assert [seq for seq, _values in stored(device)] == [0, 1, 2]
    hour = DeviceHourly.objects.get(device=device)
    assert (hour.messages, hour.running_messages) == (3, 2)
    rollup = TelemetryHourly.objects.get(device=device, key="spindle_speed")
    assert (rollup.samples, rollup.total, rollup.minimum, rollup.maximum) == (3, 2000, 0, 1200)
    device.refresh_from_db()
    assert device.status == DeviceStatus.ONLINE and device.last_seen_at == now
    assert device.latest_values["spindle_speed"] == 1200
    assert list(DeviceStatusChange.objects.filter(device=device).values_list("status", flat=True)) == [
        "online"
    ]


def test_a_redelivered_batch_is_ignored_and_counted_once(device):
    batch = [message(device, seq) for seq in range(5)]
    telemetry_ingest(messages=batch)
    again = telemetry_ingest(messages=[*batch, batch[0]])
    assert (again.accepted, again.duplicates) == (0, 6)
    assert len(stored(device)) == 5
    assert DeviceHourly.objects.get(device=device).messages == 5
    assert TelemetryHourly.objects.get(device=device, key="spindle_speed").samples == 5
    assert DeviceStatusChange.objects.filter(device=device).count() == 1


def test_bad_messages_are_dead_lettered_with_their_reason_and_never_stop_the_batch(device):
    other_cluster_device = DeviceFactory(cluster=ClusterFactory(), device_type=device.device_type)
    revoked = DeviceFactory(cluster=device.cluster, device_type=device.device_type, revoked_at=timezone.now())
    future = timezone.now() + timedelta(hours=2)
    batch = [
        message(device, 1, raw=b"{not json"),
        message(device, 2, values={"temperature": 20}),
        message(device, 3, values={"spindle_speed": "fast"}),
        message(device, 4, ts=future),
        message(device, 5, raw=b'{"pad": "' + b"x" * 20000 + b'"}'),
        # A device of another cluster publishing into this cluster's topic space.
        message(
            other_cluster_device,
            6,
            topic=topic_for(cluster_slug=device.cluster.slug, device_id=other_cluster_device.pk),
        ),
        message(revoked, 7),
        message(device, 8, topic=f"clusters/{device.cluster.slug}/devices/not-a-uuid/telemetry"),
        message(device, 9),
    ]
    report = telemetry_ingest(messages=batch)
    assert (report.accepted, report.dead_lettered) == (1, 8)
    reasons = [rejection.reason for _index, rejection in report.rejections]
    assert reasons == [
        "not_json",
        "unknown_key",
        "wrong_type",
        "future_timestamp",
        "oversized",
        "wrong_topic",
        "revoked_device",
        "wrong_topic",
    ]
    assert [seq for seq, _values in stored(device)] == [9]
    assert stored(other_cluster_device) == []
    letters = DeadLetter.objects.order_by("received_at")
    assert list(letters.values_list("reason", flat=True)) == reasons
    # Known devices' letters belong to the device (and its cluster); the owner can read them.
    assert letters[0].device == device and letters[0].cluster == device.cluster
    assert letters[5].device == other_cluster_device and letters[5].cluster == other_cluster_device.cluster
    assert letters[7].device is None


def test_the_partition_for_a_new_day_is_created_on_demand(device):
    yesterday_but_one = timezone.now() - timedelta(days=3)
    report = telemetry_ingest(messages=[message(device, 1, ts=yesterday_but_one)])
    assert report.accepted == 1
    assert f"devices_telemetry_{yesterday_but_one:%Y%m%d}" in telemetry_partitions_list()


def test_partitions_are_created_ahead_and_dropped_after_retention(settings, device):
    settings.TELEMETRY_RETENTION_DAYS = 30
    settings.TELEMETRY_PARTITIONS_AHEAD_DAYS = 3
    today = timezone.now().date()
    old = today - timedelta(days=40)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE devices_telemetry_{old:%Y%m%d} PARTITION OF devices_telemetry "
            f"FOR VALUES FROM ('{old} 00:00+00') TO ('{old + timedelta(days=1)} 00:00+00')"
        )
    outcome = telemetry_partitions_maintain(today=today)
    partitions = telemetry_partitions_list()
    assert f"devices_telemetry_{old:%Y%m%d}" in outcome["dropped"]
    assert f"devices_telemetry_{old:%Y%m%d}" not in partitions
    assert f"devices_telemetry_{today + timedelta(days=3):%Y%m%d}" in partitions


# --- HTTP ---------------------------------------------------------------------------------------


def post(api_client, device, messages, secret=FACTORY_SECRET):
    return api_client.post(
        "/api/v1/telemetry/",
        {"messages": messages},
        format="json",
        HTTP_AUTHORIZATION=f"Device {device.pk}:{secret}",
    )


def reading(seq, **values):
    return {
        "ts": int(timezone.now().timestamp() * 1000),
        "seq": seq,
        "values": values or {"spindle_speed": 900},
    }


def test_http_batches_are_stored_and_a_resent_batch_is_harmless(api_client, device):
    batch = [reading(1), reading(2)]
    answer = post(api_client, device, batch)
    assert answer.status_code == 200 and answer.json() == {"accepted": 2, "duplicates": 0}
    assert post(api_client, device, batch).json() == {"accepted": 0, "duplicates": 2}
    assert len(stored(device)) == 2


def test_a_bad_http_batch_is_refused_whole_with_field_paths(api_client, device):
    answer = post(api_client, device, [reading(1), reading(2, temperature=3), reading(3, spindle_speed="x")])
    assert answer.status_code == 400
    attrs = sorted(error["attr"] for error in answer.json()["errors"])
    assert attrs == ["messages.1.values.temperature", "messages.2.values.spindle_speed"]
    assert stored(device) == [] and not DeadLetter.objects.exists()


@pytest.mark.parametrize(
    "authorization",
    ["", "Device nonsense", "Device 00000000-0000-0000-0000-000000000000:x", "Token abc"],
)
def test_http_needs_the_device_credentials(api_client, device, authorization):
    answer = api_client.post(
        "/api/v1/telemetry/", {"messages": [reading(1)]}, format="json", HTTP_AUTHORIZATION=authorization
    )
    assert answer.status_code == 401
    assert stored(device) == []


def test_a_wrong_secret_and_a_revoked_device_are_refused(api_client, device):
    assert post(api_client, device, [reading(1)], secret="wrong").status_code == 401
    device.revoked_at = timezone.now()
    device.save()
    assert post(api_client, device, [reading(1)]).status_code == 401
    assert stored(device) == []


def test_the_owner_reads_the_dead_letters_of_its_devices(cluster, owner, device, client_for):
    telemetry_ingest(messages=[message(device, 1, raw=b"garbage")])
    url = f"/api/v1/clusters/{cluster.slug}/device-dead-letters/"
    letters = client_for(owner).get(url).json()
    assert letters["count"] == 1 and letters["results"][0]["reason"] == "not_json"
    assert client_for(member_user(cluster).user).get(url).json()["count"] == 0


def test_the_ingestion_works_for_every_catalogue_type(db):
    for code in ("cnc", "injection_moulding", "smt_line", "mems_tool", "sensor_gateway", "energy_meter"):
        device_type = DeviceTypeFactory(code=code)
        device = DeviceFactory(device_type=device_type)
        values = {
            key: (True if spec["type"] == "boolean" else "P1" if spec["type"] == "string" else 1.5)
            for key, spec in device.telemetry_keys.items()
        }
        assert telemetry_ingest(messages=[message(device, 1, values=values)]).accepted == 1, code


def test_a_message_the_database_refuses_is_dead_lettered_alone(device):
    """A poison message (validated, yet refused by PostgreSQL) must not fail its batch forever.

    Validation keeps out everything PostgreSQL is known to refuse, so the refusal here comes from a
    CHECK constraint the test adds (rolled back with the test's transaction), standing in for any
    refusal validation did not foresee: the batch fails, then that message alone; the rest is stored."""
    from devices.services.ingestion import telemetry_ingest_isolating

    with connection.cursor() as cursor:
        # Only this device's rows: other tests' committed rows stay valid under the constraint.
        cursor.execute(
            "ALTER TABLE devices_telemetry ADD CONSTRAINT test_refuses_seq_2 "
            f"CHECK (device_id <> '{device.pk}' OR seq <> 2)"
        )
    report = telemetry_ingest_isolating(messages=[message(device, seq) for seq in range(4)])
    assert (report.accepted, report.dead_lettered) == (3, 1)
    assert [seq for seq, _values in stored(device)] == [0, 1, 3]
    dead = DeadLetter.objects.get()
    assert dead.reason == "malformed" and "not storable" in dead.detail
    assert json.loads(dead.payload)["seq"] == 2
    assert DeviceHourly.objects.get(device=device).messages == 3


def test_a_devices_own_status_message_changes_its_status(device):
    status_topic = topic_for(cluster_slug=device.cluster.slug, device_id=device.pk, channel="status")
    now_ms = int(timezone.now().timestamp() * 1000)
    report = telemetry_ingest(
        messages=[
            message(
                device, 0, topic=status_topic, raw=json.dumps({"ts": now_ms, "state": "online"}).encode()
            ),
            message(device, 0, topic=status_topic, raw=b'{"ts": 1, "state": "asleep"}'),
        ]
    )
    assert report.dead_lettered == 1 and DeadLetter.objects.get().reason == "malformed"
    device.refresh_from_db()
    assert device.status == DeviceStatus.ONLINE
    telemetry_ingest(
        messages=[
            message(
                device, 0, topic=status_topic, raw=json.dumps({"ts": now_ms, "state": "offline"}).encode()
            )
        ]
    )
    device.refresh_from_db()
    assert device.status == DeviceStatus.OFFLINE
    assert list(
        DeviceStatusChange.objects.filter(device=device).order_by("at").values_list("status", flat=True)
    ) == [
        "online",
        "offline",
    ]
