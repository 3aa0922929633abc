"""The pure cores of service delivery: the engagement table, the Bayesian average, slot rules."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from services import engagement_flow as flow
from services import slots
from services.models import EngagementStatus
from services.ratings import bayesian_average

TZ = ZoneInfo("Asia/Shanghai")


def test_table_uses_only_model_states_and_known_parties():
    for transition in flow.TRANSITIONS:
        assert transition.source in EngagementStatus.values
        assert transition.target in EngagementStatus.values
        assert transition.parties <= {flow.SME, flow.PARTNER, flow.AGENCY}
        assert transition.source not in flow.TERMINAL_STATES


def test_no_two_transitions_compete_for_one_request():
    keys = [(t.source, t.action, party, t.outcome) for t in flow.TRANSITIONS for party in t.parties]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("state", "party", "expected"),
    [
        ("requested", "partner", ["accept", "decline"]),
        ("requested", "sme", ["cancel"]),
        ("accepted", "partner", ["cancel", "start"]),
        ("accepted", "sme", ["cancel"]),
        ("in_progress", "partner", ["deliver"]),
        ("in_progress", "sme", []),
        ("in_progress", "agency", ["cancel"]),
        ("delivered", "sme", ["confirm", "dispute"]),
        ("delivered", "partner", []),
        ("disputed", "agency", ["resolve"]),
        ("completed", "sme", []),
        ("cancelled", "agency", []),
    ],
)
def test_allowed_actions(state, party, expected):
    assert flow.allowed_actions(state, party) == expected


def test_nobody_cancels_after_delivery():
    for state in ("delivered", "completed", "disputed"):
        for party in (flow.SME, flow.PARTNER, flow.AGENCY):
            assert flow.find_transition(state, "cancel", party) is None


def test_resolve_needs_an_outcome_and_a_reason():
    assert flow.find_transition("disputed", "resolve", flow.AGENCY) is None
    completed = flow.find_transition("disputed", "resolve", flow.AGENCY, "completed")
    cancelled = flow.find_transition("disputed", "resolve", flow.AGENCY, "cancelled")
    assert (completed.target, cancelled.target) == ("completed", "cancelled")
    assert flow.AGENCY in completed.reason_required
    assert flow.outcomes_for("disputed", "resolve") == ["cancelled", "completed"]


def test_partner_cancel_requires_reason_but_sme_cancel_does_not():
    transition = flow.find_transition("accepted", "cancel", flow.PARTNER)
    assert flow.PARTNER in transition.reason_required
    assert flow.SME not in transition.reason_required


def test_capacity_states_are_those_the_issue_names():
    assert {"accepted", "in_progress", "delivered"} == flow.CAPACITY_STATES


def test_bayesian_average_keeps_one_five_star_review_below_a_solid_record():
    one_perfect = bayesian_average(count=1, mean=5.0)
    twenty_good = bayesian_average(count=20, mean=4.5)
    assert one_perfect == pytest.approx((5 * 3.5 + 5) / 6)
    assert one_perfect < twenty_good
    assert bayesian_average(count=0, mean=0) == 0
    # Many reviews converge to the mean.
    assert bayesian_average(count=10_000, mean=4.8) == pytest.approx(4.8, abs=0.01)


@pytest.mark.parametrize(
    ("hours", "fragment"),
    [
        ([], "object"),
        ({"monday": ["08:00", "18:00"]}, "Unknown weekday"),
        ({"mon": ["08:00"]}, "two HH:MM"),
        ({"mon": ["8am", "18:00"]}, "HH:MM"),
        ({"mon": ["08:15", "18:00"]}, "half hour"),
        ({"mon": ["18:00", "08:00"]}, "after opening"),
        ({"mon": ["08:00", "24:30"]}, "HH:MM"),
    ],
)
def test_bad_opening_hours_are_explained(hours, fragment):
    with translation.override("en"):
        errors = slots.opening_hours_errors(hours)
    assert errors and fragment in " ".join(errors)


def test_good_opening_hours():
    assert slots.opening_hours_errors({"mon": ["00:00", "24:00"], "sat": ["09:30", "12:00"]}) == []
    assert slots.opening_hours_errors({}) == []  # closed every day


NOW = datetime(2026, 6, 1, 10, 7, tzinfo=TZ)  # a Monday
HOURS = {"mon": ["08:00", "18:00"], "tue": ["08:00", "24:00"]}


def _slot(day, start, end):
    d = date(2026, 6, day)
    return (
        datetime(d.year, d.month, d.day, *start, tzinfo=TZ),
        datetime(d.year, d.month, d.day, *end, tzinfo=TZ)
        if end != (24, 0)
        else datetime(d.year, d.month, d.day, tzinfo=TZ) + timedelta(days=1),
    )


def _errors(start, end):
    return slots.slot_errors(start=start, end=end, opening_hours=HOURS, now=NOW, tz=TZ)


def test_slot_inside_hours_is_fine():
    assert _errors(*_slot(1, (14, 0), (15, 30))) == {}
    assert _errors(*_slot(2, (22, 0), (24, 0))) == {}  # until midnight on a day open until 24:00


@pytest.mark.parametrize(
    ("slot", "field"),
    [
        (_slot(1, (9, 0), (10, 0)), "start"),  # in the past
        (_slot(1, (15, 0), (14, 0)), "end"),  # reversed
        (_slot(1, (14, 15), (15, 0)), "start"),  # off the half-hour grid
        (_slot(1, (14, 0), (15, 10)), "end"),
        (_slot(1, (17, 0), (19, 0)), "end"),  # past closing
        (_slot(2, (7, 0), (9, 0)), "start"),  # before opening
        (_slot(3, (9, 0), (10, 0)), "start"),  # Wednesday: closed
        (_slot(1, (17, 0), (17, 0)), "end"),  # empty
    ],
)
def test_bad_slots_name_the_field(slot, field):
    assert field in _errors(*slot)


def test_slot_beyond_horizon_and_across_midnight_are_refused():
    far = NOW + timedelta(days=slots.BOOKING_HORIZON_DAYS + 7)
    assert "start" in _errors(far, far + timedelta(hours=1))
    start, _ = _slot(2, (23, 0), (24, 0))
    assert "end" in _errors(start, start + timedelta(hours=2))


def test_bookable_hours_and_open_intervals_over_a_range():
    # 2026-06-01 is a Monday: Mon 10h + Tue 16h, twice in two weeks.
    assert slots.bookable_hours(HOURS, date(2026, 6, 1), date(2026, 6, 14)) == 52
    intervals = slots.open_intervals(HOURS, date(2026, 6, 1), date(2026, 6, 3), TZ)
    assert [(a.hour, b - a) for a, b in intervals] == [(8, timedelta(hours=10)), (8, timedelta(hours=16))]


def test_hours_within_clips_to_the_range():
    start = datetime(2026, 6, 1, 22, tzinfo=TZ)
    intervals = [
        (start, start + timedelta(hours=4)),
        (start + timedelta(days=5), start + timedelta(days=5, hours=1)),
    ]
    assert slots.hours_within(intervals, start + timedelta(hours=1), start + timedelta(days=1)) == 3
    assert slots.utilisation(3, 12) == 0.25
    assert slots.utilisation(0, 0) is None
