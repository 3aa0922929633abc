"""Partner uplift attribution (pure): windows, overlaps, the minimum sample, the interval."""

from datetime import UTC, datetime, timedelta

import pytest

from services.reputation import (
    AssessmentPoint,
    EngagementSpan,
    attributed_uplifts,
    explanation_line,
    partner_uplift,
    uplift_stats,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def day(n):
    return T0 + timedelta(days=n)


def span(eid, sme, partner, start, end, completed=True):
    return EngagementSpan(eid, sme, partner, day(start), None if end is None else day(end), completed)


def point(sme, at, level, score=None):
    return AssessmentPoint(sme, day(at), score if score is not None else level * 20 + 5, level)


@pytest.mark.parametrize(
    ("spans", "points", "expected"),
    [
        # before at day 0, engagement 10..40, after at 40+30 = day 70: +1 level
        ([span("e1", "s", "p", 10, 40)], [point("s", 0, 1), point("s", 70, 2)], [("e1", 1)]),
        # the after assessment comes too soon (day 60 < 40 + 30): no observation
        ([span("e1", "s", "p", 10, 40)], [point("s", 0, 1), point("s", 60, 2)], []),
        # no assessment before the start: no observation
        ([span("e1", "s", "p", 10, 40)], [point("s", 20, 1), point("s", 90, 2)], []),
        # the last before and the first after are used
        (
            [span("e1", "s", "p", 10, 40)],
            [point("s", 0, 0), point("s", 5, 1), point("s", 80, 3), point("s", 200, 4)],
            [("e1", 2)],
        ),
        # another engagement of the same SME active in the window: neither is attributed
        (
            [span("e1", "s", "p", 10, 40), span("e2", "s", "q", 30, 50)],
            [point("s", 0, 1), point("s", 100, 3)],
            [],
        ),
        # a rival before the window does not matter
        (
            [span("e0", "s", "q", -50, -10), span("e1", "s", "p", 10, 40)],
            [point("s", 0, 1), point("s", 75, 2)],
            [("e1", 1)],
        ),
        # an unfinished engagement yields nothing; a still-active rival blocks
        (
            [span("e1", "s", "p", 10, 40), span("e2", "s", "q", 60, None, completed=False)],
            [point("s", 0, 1), point("s", 75, 2)],
            [],
        ),
        # other SMEs' engagements are no rivals
        (
            [span("e1", "s", "p", 10, 40), span("e2", "t", "q", 10, 40)],
            [point("s", 0, 1), point("s", 75, 2), point("t", 0, 2), point("t", 75, 2)],
            [("e1", 1), ("e2", 0)],
        ),
    ],
)
def test_attribution(spans, points, expected):
    uplifts = attributed_uplifts(spans=spans, assessments=points)
    assert [(u.engagement_id, u.level_delta) for u in uplifts] == expected


def _uplifts(partner, deltas):
    return [
        attributed_uplifts(
            spans=[span(f"{partner}{i}", f"{partner}s{i}", partner, 10, 40)],
            assessments=[point(f"{partner}s{i}", 0, 1), point(f"{partner}s{i}", 75, 1 + d)],
        )[0]
        for i, d in enumerate(deltas)
    ]


def test_partners_need_three_observations_and_get_an_interval():
    rows = _uplifts("p", [1, 1, 0, 2]) + _uplifts("q", [3, 3])
    result = partner_uplift(rows)
    assert set(result) == {"p"}
    stats = result["p"]
    assert (stats.n, stats.mean_levels) == (4, 1.0)
    assert stats.ci_low < 1.0 < stats.ci_high
    # t(0.975, 3) = 3.182; sd = 0.8165; half-width = 3.182 * 0.8165 / 2 = 1.30
    assert stats.ci_high == pytest.approx(2.30, abs=0.01)
    assert explanation_line(stats) == "clients of this partner gained on average +1.0 levels, n=4"


def test_identical_uplifts_have_a_zero_width_interval():
    stats = uplift_stats(_uplifts("p", [1, 1, 1]))
    assert (stats.ci_low, stats.ci_high) == (1.0, 1.0)
