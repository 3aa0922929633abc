"""The MQTT ingestion worker: subscribe, batch, commit, then acknowledge.

Nothing is lost: the worker acknowledges (PUBACK) a message only after the transaction holding
its batch has committed (paho's manual_ack). If the worker dies before that, the broker still
holds the message for the worker's persistent session (a fixed client id, clean start off, a
long session expiry) and delivers it again when the worker reconnects.
Nothing is doubled: a redelivered message repeats its (device, seq, ts), which the database
already has, so the insert skips it (see devices.services.ingestion).

Several workers split the load through an MQTT 5 shared subscription
(`$share/<group>/clusters/+/devices/+/telemetry`): the broker hands each message to one member
of the group. The embedded development broker speaks MQTT 3.1.1 only, so there the worker
subscribes plainly (one worker).
"""

import logging
import queue
import signal
import threading
import time
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
from django.db import close_old_connections, connection
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from devices.mqtt import STATUS_FILTER, TELEMETRY_FILTER, BrokerAddress
from devices.services.alarms import alarm_rules_evaluate
from devices.services.ingestion import InboundMessage, IngestReport, telemetry_ingest_isolating
from devices.services.status import devices_mark_offline

logger = logging.getLogger(__name__)

SESSION_EXPIRY_S = 7 * 24 * 3600
RECEIVE_MAXIMUM = 65535
RETRY_PAUSE_S = 2.0


# What the network thread hands over for each message: (mid, qos, topic, payload, received_at as a
# POSIX time). A plain tuple, not an object: the network thread is the worker's bottleneck (most of
# its CPU goes to paho reading packets), so it does as little as it can per message.
_Pending = tuple[int, int, str, bytes, float]


class IngestionWorker:
    def __init__(
        self,
        *,
        address: BrokerAddress,
        client_id: str,
        share_group: str | None,
        mqtt5: bool = True,
        batch_size: int = 2000,
        max_wait_s: float = 0.2,
        watch_every_s: float = 0,
    ):
        self.address = address
        self.client_id = client_id
        prefix = f"$share/{share_group}/" if share_group else ""
        self.topic_filters = [prefix + TELEMETRY_FILTER, prefix + STATUS_FILTER]
        self.mqtt5 = mqtt5
        self.batch_size = batch_size
        self.max_wait_s = max_wait_s
        # Without Celery beat (development), the worker also runs the status and alarm sweep.
        self.watch_every_s = watch_every_s
        self._watched_at = 0.0
        self.inbox: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self.stopping = threading.Event()
        self.connected = threading.Event()
        self.totals = IngestReport()
        self.client = self._client()

    def _client(self) -> mqtt.Client:
        if self.mqtt5:
            client = mqtt.Client(
                mqtt.CallbackAPIVersion.VERSION2,
                client_id=self.client_id,
                protocol=mqtt.MQTTv5,
                manual_ack=True,
            )
        else:
            client = mqtt.Client(
                mqtt.CallbackAPIVersion.VERSION2,
                client_id=self.client_id,
                protocol=mqtt.MQTTv311,
                clean_session=False,
                manual_ack=True,
            )
        if self.address.username:
            client.username_pw_set(self.address.username, self.address.password)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        client.reconnect_delay_set(min_delay=1, max_delay=10)
        return client

    # --- paho callbacks (network thread) ---------------------------------------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            logger.error("broker refused the worker: %s", reason_code)
            return
        # Subscribing again on a resumed session is harmless, and needed on a fresh one.
        client.subscribe([(topic_filter, 1) for topic_filter in self.topic_filters])
        self.connected.set()
        logger.info(
            "ingesting %s from %s:%s as %s",
            self.topic_filters,
            self.address.host,
            self.address.port,
            self.client_id,
        )

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        logger.info("subscribed to %s: %s", self.topic_filters, [str(code) for code in reason_codes])

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.connected.clear()
        if not self.stopping.is_set():
            logger.warning("disconnected from the broker (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, message):
        self.inbox.put((message.mid, message.qos, message.topic, message.payload, time.time()))

    # --- main thread ------------------------------------------------------------------------------

    def connect(self) -> None:
        if self.mqtt5:
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = SESSION_EXPIRY_S
            # Let the broker keep many messages in flight to us: we hold them until the batch commits.
            properties.ReceiveMaximum = RECEIVE_MAXIMUM
            self.client.connect(
                self.address.host, self.address.port, keepalive=30, clean_start=False, properties=properties
            )
        else:
            self.client.connect(self.address.host, self.address.port, keepalive=30)
        self.client.loop_start()

    def _next_batch(self) -> list[_Pending]:
        try:
            first = self.inbox.get(timeout=0.5)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.max_wait_s
        while len(batch) < self.batch_size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(self.inbox.get(timeout=remaining))
            except queue.Empty:
                break
        return batch

    def process(self, batch: list[_Pending]) -> IngestReport:
        """Commit the batch, retrying while the database is unavailable; then acknowledge it."""
        while True:
            try:
                close_old_connections()
                report = telemetry_ingest_isolating(
                    messages=[
                        InboundMessage(
                            topic=topic, payload=payload, received_at=datetime.fromtimestamp(received, UTC)
                        )
                        for _mid, _qos, topic, payload, received in batch
                    ]
                )
                break
            except Exception:
                if self.stopping.is_set():
                    raise
                logger.exception(
                    "batch of %d not stored; retrying (the broker keeps it unacknowledged)", len(batch)
                )
                time.sleep(RETRY_PAUSE_S)
        for mid, qos, _topic, _payload, _received in batch:
            if qos > 0:
                self.client.ack(mid, qos)
        self.totals.accepted += report.accepted
        self.totals.duplicates += report.duplicates
        self.totals.dead_lettered += report.dead_lettered
        return report

    def run(self) -> None:
        self.connect()
        try:
            while not self.stopping.is_set():
                batch = self._next_batch()
                if batch:
                    self.process(batch)
                if self.watch_every_s and time.monotonic() - self._watched_at >= self.watch_every_s:
                    self._watched_at = time.monotonic()
                    devices_mark_offline()
                    alarm_rules_evaluate()
        finally:
            # What was received but not committed stays unacknowledged, for the next run.
            self.client.disconnect()
            self.client.loop_stop()
            connection.close()

    def stop(self, *_args) -> None:
        self.stopping.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
