"""The pure message validator: every reason a message can be refused, and what passes."""

from datetime import UTC, datetime, timedelta

import pytest

from devices.validation import Reading, Rejection, is_running, message_decode, message_validate

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
KEYS = {"spindle_speed": {"unit": "rpm", "type": "number"}, "alarm": {"unit": "", "type": "boolean"}}
NOW_MS = int(NOW.timestamp() * 1000)


def validate(message):
    return message_validate(message, keys=KEYS, now=NOW, max_skew_s=300, oldest=NOW - timedelta(days=90))


def test_a_good_message_gives_its_reading():
    reading = validate({"ts": NOW_MS, "seq": 7, "values": {"spindle_speed": 1200, "alarm": False}})
    assert reading == Reading(seq=7, ts=NOW, values={"spindle_speed": 1200, "alarm": False})


def test_iso_timestamps_with_an_offset_are_accepted():
    reading = validate({"ts": "2026-12-01T16:00:00+08:00", "seq": 1, "values": {"alarm": True}})
    assert isinstance(reading, Reading) and reading.ts == NOW


@pytest.mark.parametrize(
    ("message", "reason", "field"),
    [
        ([1, 2], "malformed", ""),
        ({"seq": 1, "values": {"alarm": True}}, "malformed", "ts"),
        ({"ts": NOW_MS, "seq": -1, "values": {"alarm": True}}, "malformed", "seq"),
        ({"ts": NOW_MS, "seq": True, "values": {"alarm": True}}, "malformed", "seq"),
        ({"ts": "yesterday", "seq": 1, "values": {"alarm": True}}, "malformed", "ts"),
        ({"ts": "2026-12-01T08:00:00", "seq": 1, "values": {"alarm": True}}, "malformed", "ts"),
        ({"ts": NOW_MS, "seq": 1, "values": {}}, "malformed", "values"),
        ({"ts": NOW_MS, "seq": 1, "values": {"alarm": True}, "extra": 1}, "malformed", ""),
        ({"ts": NOW_MS, "seq": 1, "values": {"temperature": 21.5}}, "unknown_key", "values.temperature"),
        ({"ts": NOW_MS, "seq": 1, "values": {"spindle_speed": "fast"}}, "wrong_type", "values.spindle_speed"),
        ({"ts": NOW_MS, "seq": 1, "values": {"spindle_speed": True}}, "wrong_type", "values.spindle_speed"),
        ({"ts": NOW_MS, "seq": 1, "values": {"alarm": 1}}, "wrong_type", "values.alarm"),
        ({"ts": NOW_MS + 3_600_000, "seq": 1, "values": {"alarm": True}}, "future_timestamp", "ts"),
        ({"ts": NOW_MS - 91 * 86_400_000, "seq": 1, "values": {"alarm": True}}, "stale_timestamp", "ts"),
    ],
)
def test_bad_messages_are_refused_with_the_reason_and_field(message, reason, field):
    rejection = validate(message)
    assert isinstance(rejection, Rejection)
    assert (rejection.reason, rejection.field) == (reason, field)


def test_a_clock_slightly_ahead_is_tolerated():
    assert isinstance(validate({"ts": NOW_MS + 60_000, "seq": 1, "values": {"alarm": True}}), Reading)


def test_decoding_refuses_oversized_and_non_json_payloads():
    assert message_decode(b"x" * 101, max_bytes=100).reason == "oversized"
    assert message_decode(b"{not json", max_bytes=100).reason == "not_json"
    assert message_decode(b"\xff\xfe", max_bytes=100).reason == "not_json"
    assert message_decode(b'{"a": 1}', max_bytes=100) == {"a": 1}


def test_running_is_the_running_key_above_the_threshold():
    assert is_running({"power_kw": 3.2}, running_key="power_kw", running_above=0.5)
    assert not is_running({"power_kw": 0.1}, running_key="power_kw", running_above=0.5)
    assert not is_running({"power_kw": True}, running_key="power_kw", running_above=0.5)
    assert not is_running({"other": 9}, running_key="power_kw", running_above=0.5)
    assert not is_running({"power_kw": 9}, running_key="", running_above=0.5)


@pytest.mark.parametrize(
    "values",
    [{"spindle_speed": 10**400}, {"spindle_speed": 1e308 * 10}, {"program": "O1\x00"}, {"program": "\ud800"}],
)
def test_values_postgresql_would_refuse_are_wrong_types(values):
    keys = {**KEYS, "program": {"unit": "", "type": "string"}}
    rejection = message_validate(
        {"ts": NOW_MS, "seq": 1, "values": values},
        keys=keys,
        now=NOW,
        max_skew_s=300,
        oldest=NOW - timedelta(days=1),
    )
    assert isinstance(rejection, Rejection) and rejection.reason == "wrong_type"


def test_only_utf8_is_json_here():
    assert message_decode('{"a": 1}'.encode("utf-16"), max_bytes=100).reason == "not_json"
