"""Validation of one telemetry message against its device's declared keys: pure, no ORM.

A message is `{"ts": ..., "seq": ..., "values": {key: value, ...}}`. `ts` is the device's time
of measurement, in milliseconds since the Unix epoch or as an ISO 8601 string with a UTC offset;
`seq` is the device's message counter (a non-negative integer that a redelivery repeats);
`values` holds declared keys only, each of its declared type. Both the MQTT worker and the HTTP
endpoint use these functions, so a message is judged the same whichever way it came.
"""

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

MAX_SEQ = 2**63 - 1
MAX_STRING_VALUE = 256
MAX_NUMBER = 1e300
MESSAGE_FIELDS = frozenset(("ts", "seq", "values"))


@dataclass(frozen=True)
class Reading:
    seq: int
    ts: datetime
    values: dict


@dataclass(frozen=True)
class Rejection:
    """Why a message was refused: a DeadLetterReason value, a human detail and the field at fault."""

    reason: str
    detail: str
    field: str = ""


def message_decode(payload: bytes, *, max_bytes: int) -> Any | Rejection:
    if len(payload) > max_bytes:
        return Rejection("oversized", f"{len(payload)} bytes, at most {max_bytes}")
    try:
        # UTF-8 only (json.loads would also guess UTF-16 and UTF-32 from bytes).
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return Rejection("not_json", str(error)[:200])


def _timestamp(raw) -> datetime | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float) and math.isfinite(raw):
        try:
            return datetime.fromtimestamp(raw / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return None


def _type_matches(value, declared: str) -> bool:
    """Also keeps out what PostgreSQL's jsonb or float8 would refuse (a NUL character, a lone
    surrogate, a number beyond double precision), so a stored batch never fails on one value."""
    if declared == "number":
        return (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and abs(value) < MAX_NUMBER  # before isfinite(), which cannot convert a huge int
            and math.isfinite(value)
        )
    if declared == "boolean":
        return isinstance(value, bool)
    if not isinstance(value, str) or len(value) > MAX_STRING_VALUE or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def message_validate(
    message: Any, *, keys: dict, now: datetime, max_skew_s: int, oldest: datetime
) -> Reading | Rejection:
    """The reading in `message`, or the first reason to refuse it."""
    if not isinstance(message, dict):
        return Rejection("malformed", "the message must be a JSON object")
    extra = (
        set(message) - MESSAGE_FIELDS if len(message) != 3 or not MESSAGE_FIELDS.issuperset(message) else ()
    )
    if extra:
        return Rejection("malformed", f"unexpected fields: {', '.join(sorted(map(str, extra)))}", "")
    for field in ("ts", "seq", "values"):
        if field not in message:
            return Rejection("malformed", f"{field} is missing", field)
    seq = message["seq"]
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= MAX_SEQ:
        return Rejection("malformed", "seq must be a non-negative 64-bit integer", "seq")
    ts = _timestamp(message["ts"])
    if ts is None:
        return Rejection(
            "malformed", "ts must be milliseconds since the epoch or ISO 8601 with an offset", "ts"
        )
    if ts > now + timedelta(seconds=max_skew_s):
        return Rejection("future_timestamp", f"{ts.isoformat()} is ahead of the platform's clock", "ts")
    if ts < oldest:
        return Rejection("stale_timestamp", f"{ts.isoformat()} is older than the retention period", "ts")
    values = message["values"]
    if not isinstance(values, dict) or not values:
        return Rejection("malformed", "values must be a non-empty object", "values")
    for key, value in values.items():
        spec = keys.get(key)
        if spec is None:
            return Rejection("unknown_key", f"{key!r} is not a declared telemetry key", f"values.{key}")
        if not _type_matches(value, spec.get("type", "number")):
            return Rejection("wrong_type", f"{key!r} must be a {spec.get('type', 'number')}", f"values.{key}")
    return Reading(seq=seq, ts=ts, values=values)


def is_running(values: dict, *, running_key: str, running_above: float) -> bool:
    """Whether a reading says the machine is working (its running key above the type's threshold)."""
    value = values.get(running_key) if running_key else None
    return isinstance(value, int | float) and not isinstance(value, bool) and value > running_above


@dataclass(frozen=True)
class StatusReport:
    ts: datetime
    online: bool


def status_validate(message: Any, *, now: datetime, max_skew_s: int) -> StatusReport | Rejection:
    """A device's own status message, `{"ts": ..., "state": "online" | "offline"}` (a device
    typically sets the offline one as its MQTT last will)."""
    if not isinstance(message, dict) or set(message) != {"ts", "state"}:
        return Rejection("malformed", "a status message is {ts, state}")
    ts = _timestamp(message["ts"])
    if ts is None:
        return Rejection(
            "malformed", "ts must be milliseconds since the epoch or ISO 8601 with an offset", "ts"
        )
    if ts > now + timedelta(seconds=max_skew_s):
        return Rejection("future_timestamp", f"{ts.isoformat()} is ahead of the platform's clock", "ts")
    if message["state"] not in ("online", "offline"):
        return Rejection("malformed", "state must be online or offline", "state")
    return StatusReport(ts=ts, online=message["state"] == "online")
