"""Telemetry ingestion: a batch of raw messages in, committed readings and dead letters out.

The MQTT worker and the HTTP endpoint both end here. One call is one transaction: the good
readings are copied (COPY) into a temporary staging table and moved into the partitioned
`devices_telemetry` with INSERT ... ON CONFLICT DO NOTHING, so a message delivered twice (the
broker redelivers what was not acknowledged before a crash) is stored once. The same statement
updates the hourly rollups from the rows it actually inserted, so the rollups count each reading
exactly once too. The worker acknowledges the batch to the broker only after this returns.

Lock order, to keep concurrent workers from deadlocking: hourly device rows, then hourly key
rows, then device rows, each sorted by primary key (the statements below sort their input).
"""

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, OperationalError, connection, transaction
from django.utils import timezone

from devices.models import DeadLetter, Device, DeviceStatus, DeviceStatusChange
from devices.mqtt import topic_for, topic_parse
from devices.services.partitions import telemetry_partitions_ensure
from devices.validation import (
    Reading,
    Rejection,
    StatusReport,
    is_running,
    message_decode,
    message_validate,
    status_validate,
)

DEAD_LETTER_PAYLOAD_CHARS = 4000
DEADLOCK_RETRIES = 3

STAGING_DDL = """
CREATE TEMP TABLE IF NOT EXISTS devices_telemetry_staging (
    cluster_id uuid NOT NULL,
    device_id uuid NOT NULL,
    seq bigint NOT NULL,
    ts timestamptz NOT NULL,
    message jsonb NOT NULL,
    running boolean NOT NULL
)
"""

# Moves the staged readings into the partitioned table and, from exactly the rows inserted
# (a duplicate returns nothing), adds them to the hourly rollups. Answers the inserted count.
MOVE_SQL = """
WITH inserted AS (
    INSERT INTO devices_telemetry (cluster_id, device_id, seq, ts, "values")
    SELECT cluster_id, device_id, seq, ts, message->'values' FROM devices_telemetry_staging
    ORDER BY device_id, seq, ts
    ON CONFLICT DO NOTHING
    RETURNING device_id, seq, ts
),
fresh AS (
    SELECT s.* FROM inserted i JOIN devices_telemetry_staging s USING (device_id, seq, ts)
),
device_hours AS (
    INSERT INTO devices_devicehourly (cluster_id, device_id, hour, messages, running_messages)
    SELECT cluster_id, device_id, date_trunc('hour', ts), count(*), count(*) FILTER (WHERE running)
    FROM fresh GROUP BY cluster_id, device_id, date_trunc('hour', ts)
    ORDER BY device_id, date_trunc('hour', ts)
    ON CONFLICT (device_id, hour) DO UPDATE SET
        messages = devices_devicehourly.messages + EXCLUDED.messages,
        running_messages = devices_devicehourly.running_messages + EXCLUDED.running_messages
    RETURNING 1
),
key_hours AS (
    INSERT INTO devices_telemetryhourly (cluster_id, device_id, hour, key, samples, total, minimum, maximum)
    SELECT f.cluster_id, f.device_id, date_trunc('hour', f.ts), kv.key,
           count(*), sum(kv.value::float8), min(kv.value::float8), max(kv.value::float8)
    FROM fresh f CROSS JOIN LATERAL jsonb_each(f.message->'values') kv
    WHERE jsonb_typeof(kv.value) = 'number'
    GROUP BY f.cluster_id, f.device_id, date_trunc('hour', f.ts), kv.key
    ORDER BY f.device_id, date_trunc('hour', f.ts), kv.key
    ON CONFLICT (device_id, hour, key) DO UPDATE SET
        samples = devices_telemetryhourly.samples + EXCLUDED.samples,
        total = devices_telemetryhourly.total + EXCLUDED.total,
        minimum = least(devices_telemetryhourly.minimum, EXCLUDED.minimum),
        maximum = greatest(devices_telemetryhourly.maximum, EXCLUDED.maximum)
    RETURNING 1
)
SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM device_hours), (SELECT count(*) FROM key_hours)
"""

# The newest reading of each device in the batch becomes its latest values (when newer than
# what the device already shows), and every device heard from is seen now.
LATEST_SQL = """
WITH newest AS (
    SELECT DISTINCT ON (device_id) device_id, ts, message->'values' AS "values" FROM devices_telemetry_staging
    ORDER BY device_id, ts DESC, seq DESC
)
UPDATE devices_device d SET
    latest_values = CASE WHEN d.latest_ts IS NULL OR n.ts >= d.latest_ts
                         THEN d.latest_values || n."values" ELSE d.latest_values END,
    latest_ts = greatest(d.latest_ts, n.ts),
    last_seen_at = greatest(d.last_seen_at, %s)
FROM newest n WHERE d.id = n.device_id
"""

ONLINE_SQL = """
UPDATE devices_device SET status = %s, status_changed_at = %s
WHERE id = ANY(%s) AND status <> %s
RETURNING id, cluster_id
"""


@dataclass(frozen=True)
class InboundMessage:
    """One message as the broker (or the HTTP endpoint) handed it over."""

    topic: str
    payload: bytes
    received_at: datetime


@dataclass
class IngestReport:
    accepted: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    # (index in the batch, rejection) for each refused message, in batch order.
    rejections: list[tuple[int, Rejection]] = field(default_factory=list)


@dataclass(frozen=True)
class _DeviceFacts:
    id: uuid.UUID
    cluster_id: uuid.UUID
    cluster_slug: str
    keys: dict
    revoked: bool
    running_key: str
    running_above: float


def _device_facts(device_ids: set[uuid.UUID]) -> dict[uuid.UUID, _DeviceFacts]:
    rows = Device.objects.filter(pk__in=device_ids).values_list(
        "id",
        "cluster_id",
        "cluster__slug",
        "telemetry_keys",
        "revoked_at",
        "device_type__running_key",
        "device_type__running_above",
    )
    return {
        row[0]: _DeviceFacts(row[0], row[1], row[2], row[3], row[4] is not None, row[5], row[6])
        for row in rows
    }


def _dead_letter(message: InboundMessage, rejection: Rejection, device: _DeviceFacts | None) -> DeadLetter:
    return DeadLetter(
        cluster_id=device.cluster_id if device else None,
        device_id=device.id if device else None,
        topic=message.topic[:300],
        payload=message.payload[:DEAD_LETTER_PAYLOAD_CHARS].decode("utf-8", errors="replace"),
        reason=rejection.reason,
        detail=(f"{rejection.field}: {rejection.detail}" if rejection.field else rejection.detail)[:300],
        received_at=message.received_at,
        fingerprint=hashlib.sha256(message.topic.encode() + b"\0" + message.payload).hexdigest(),
    )


def telemetry_ingest(*, messages: Sequence[InboundMessage], now: datetime | None = None) -> IngestReport:
    """Validate a batch, store the good readings once and dead-letter the rest, in one transaction."""
    now = now or timezone.now()
    oldest = now - timedelta(days=settings.TELEMETRY_RETENTION_DAYS)
    parsed = [topic_parse(message.topic) for message in messages]
    devices = _device_facts({topic.device_id for topic in parsed if topic is not None})

    report = IngestReport()
    rows: dict[tuple, tuple] = {}
    statuses: dict[uuid.UUID, tuple] = {}  # the last status message of each device in the batch
    dead: list[DeadLetter] = []
    for index, (message, topic) in enumerate(zip(messages, parsed, strict=True)):
        device = devices.get(topic.device_id) if topic else None
        if topic is None:
            rejection = Rejection("wrong_topic", "not a device topic")
        elif device is None:
            rejection = Rejection("unknown_device", f"no device {topic.device_id}")
        elif device.cluster_slug != topic.cluster_slug:
            rejection = Rejection("wrong_topic", f"the device is not connected through {topic.cluster_slug}")
        elif device.revoked:
            rejection = Rejection("revoked_device", "the device's credentials are revoked")
        elif topic.channel == "status":
            decoded = message_decode(message.payload, max_bytes=settings.TELEMETRY_MAX_MESSAGE_BYTES)
            rejection = (
                decoded
                if isinstance(decoded, Rejection)
                else status_validate(decoded, now=now, max_skew_s=settings.TELEMETRY_MAX_CLOCK_SKEW_S)
            )
            if isinstance(rejection, StatusReport):
                statuses[device.id] = (device.cluster_id, rejection)
                rejection = None
        else:
            decoded = message_decode(message.payload, max_bytes=settings.TELEMETRY_MAX_MESSAGE_BYTES)
            rejection = (
                decoded
                if isinstance(decoded, Rejection)
                else message_validate(
                    decoded,
                    keys=device.keys,
                    now=now,
                    max_skew_s=settings.TELEMETRY_MAX_CLOCK_SKEW_S,
                    oldest=oldest,
                )
            )
            if isinstance(rejection, Reading):
                reading, rejection = rejection, None
                identity = (device.id, reading.seq, reading.ts)
                if identity in rows:
                    report.duplicates += 1
                else:
                    rows[identity] = (
                        device.cluster_id,
                        device.id,
                        reading.seq,
                        reading.ts,
                        # The message as received (already validated): no re-encoding.
                        message.payload.decode(),
                        is_running(
                            reading.values, running_key=device.running_key, running_above=device.running_above
                        ),
                    )
        if rejection is not None:
            report.rejections.append((index, rejection))
            dead.append(_dead_letter(message, rejection, device))

    if rows:
        telemetry_partitions_ensure(days={identity[2].date() for identity in rows})
    for attempt in range(DEADLOCK_RETRIES):
        try:
            with transaction.atomic():
                inserted = _store(rows=list(rows.values()), now=now)
                _statuses_apply(statuses, now=now)
                DeadLetter.objects.bulk_create(dead, ignore_conflicts=True)
            break
        except OperationalError as error:  # a deadlock between workers: the whole batch again
            if attempt == DEADLOCK_RETRIES - 1 or getattr(error.__cause__, "sqlstate", "") != "40P01":
                raise
    report.accepted = inserted
    report.duplicates += len(rows) - inserted
    report.dead_lettered = len(dead)
    return report


def _statuses_apply(statuses: dict, *, now: datetime) -> None:
    """A device's own status message (e.g. its last will, "offline") changes its status now."""
    for device_id in sorted(statuses):
        cluster_id, report = statuses[device_id]
        status = DeviceStatus.ONLINE if report.online else DeviceStatus.OFFLINE
        changed = (
            Device.objects.filter(pk=device_id)
            .exclude(status=status)
            .update(status=status, status_changed_at=now)
        )
        if changed:
            DeviceStatusChange.objects.create(
                device_id=device_id, cluster_id=cluster_id, status=status, at=now
            )


def _store(*, rows: list[tuple], now: datetime) -> int:
    if not rows:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(STAGING_DDL)
        cursor.execute("TRUNCATE devices_telemetry_staging")
        with cursor.cursor.copy(
            "COPY devices_telemetry_staging (cluster_id, device_id, seq, ts, message, running) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(MOVE_SQL)
        inserted = cursor.fetchone()[0]
        device_ids = sorted({row[1] for row in rows})
        cursor.execute(
            "SELECT id FROM devices_device WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [device_ids]
        )
        cursor.execute(LATEST_SQL, [now])
        cursor.execute(ONLINE_SQL, [DeviceStatus.ONLINE, now, device_ids, DeviceStatus.ONLINE])
        changed = cursor.fetchall()
        cursor.execute("TRUNCATE devices_telemetry_staging")
    DeviceStatusChange.objects.bulk_create(
        DeviceStatusChange(device_id=device_id, cluster_id=cluster_id, status=DeviceStatus.ONLINE, at=now)
        for device_id, cluster_id in changed
    )
    return inserted


def telemetry_ingest_from_device(
    *, device: Device, messages: list, now: datetime | None = None
) -> IngestReport:
    """An HTTP batch of one authenticated device: all good, or a field error and nothing stored.

    Unlike the broker, HTTP can answer, so a bad batch is refused whole with the reason of each
    bad message (`messages.<i>.<field>`) rather than dead-lettered.
    """
    now = now or timezone.now()
    oldest = now - timedelta(days=settings.TELEMETRY_RETENTION_DAYS)
    errors: dict[str, list[str]] = {}
    payloads = []
    for index, message in enumerate(messages):
        payload = json.dumps(message, ensure_ascii=False).encode()
        outcome = message_decode(payload, max_bytes=settings.TELEMETRY_MAX_MESSAGE_BYTES)
        if not isinstance(outcome, Rejection):
            outcome = message_validate(
                message,
                keys=device.telemetry_keys,
                now=now,
                max_skew_s=settings.TELEMETRY_MAX_CLOCK_SKEW_S,
                oldest=oldest,
            )
        if isinstance(outcome, Rejection):
            path = f"messages.{index}" + (f".{outcome.field}" if outcome.field else "")
            errors.setdefault(path, []).append(f"{outcome.reason}: {outcome.detail}")
        payloads.append(payload)
    if errors:
        raise ValidationError(errors)
    topic = topic_for(cluster_slug=device.cluster.slug, device_id=device.pk)
    return telemetry_ingest(
        messages=[InboundMessage(topic=topic, payload=payload, received_at=now) for payload in payloads],
        now=now,
    )


def telemetry_ingest_isolating(*, messages: Sequence[InboundMessage]) -> IngestReport:
    """`telemetry_ingest`, except that a batch the database refuses is split up, so one message
    that validation let through but PostgreSQL will not store is dead-lettered alone instead of
    failing its batch over and over (a poison message). A lost connection is not such a refusal:
    it propagates, and the caller retries the batch."""
    try:
        return telemetry_ingest(messages=messages)
    except OperationalError:
        raise
    except DatabaseError:
        if len(messages) == 1:
            raise
    report = IngestReport()
    for index, message in enumerate(messages):
        try:
            single = telemetry_ingest(messages=[message])
        except OperationalError:
            raise
        except DatabaseError as error:
            rejection = Rejection("malformed", f"not storable: {error}"[:250])
            DeadLetter.objects.bulk_create(
                [_dead_letter(message, rejection, _device_for(message))], ignore_conflicts=True
            )
            single = IngestReport(dead_lettered=1, rejections=[(0, rejection)])
        report.accepted += single.accepted
        report.duplicates += single.duplicates
        report.dead_lettered += single.dead_lettered
        report.rejections += [(index, rejection) for _i, rejection in single.rejections]
    return report


def _device_for(message: InboundMessage) -> _DeviceFacts | None:
    topic = topic_parse(message.topic)
    return _device_facts({topic.device_id}).get(topic.device_id) if topic else None
