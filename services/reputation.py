"""Partner reputation from measured uplift: how much its clients' digital maturity rose (pure, no ORM).

For an engagement that was completed, the SME's uplift is its first assessment taken at least
`MIN_GAP` after completion minus its last assessment taken before the engagement started. The
uplift is attributed to the engagement's partner only when no other engagement of that SME was
active at any time inside that before-to-after window: with two providers at work, nobody can
say whose work moved the score, so such observations are left out rather than shared.

It lives in `services` (not `programmes`) because matching, a layer below programmes, scores
with it. A partner's figure is published only from `MIN_SAMPLE` observations: an average over
one or two SMEs would disclose their own scores.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

# scipy.special's inverse of Student's t distribution, not scipy.stats: the same function under
# t.ppf, without the 1.5 s that importing scipy.stats adds to every process's start.
from scipy.special import stdtrit

MIN_GAP = timedelta(days=30)
MIN_SAMPLE = 3
CONFIDENCE = 0.95


@dataclass(frozen=True)
class EngagementSpan:
    """An engagement's active period: from its start (request) to its end (completion, or now)."""

    engagement_id: object
    sme_id: object
    partner_id: object
    start: datetime
    end: datetime | None  # None: still active
    completed: bool


@dataclass(frozen=True)
class AssessmentPoint:
    sme_id: object
    at: datetime
    score: float
    level: int


@dataclass(frozen=True)
class Uplift:
    engagement_id: object
    sme_id: object
    partner_id: object
    level_delta: int
    score_delta: float


@dataclass(frozen=True)
class UpliftStats:
    n: int
    mean_levels: float
    mean_score: float
    # The confidence interval of the mean level uplift (Student's t); equal bounds when n = 1.
    ci_low: float
    ci_high: float


def _overlaps(span: EngagementSpan, start: datetime, end: datetime) -> bool:
    return span.start <= end and (span.end is None or span.end >= start)


def attributed_uplifts(
    *, spans: list[EngagementSpan], assessments: list[AssessmentPoint], min_gap: timedelta = MIN_GAP
) -> list[Uplift]:
    """One uplift per completed engagement with a before and an after assessment and no rival."""
    by_sme: dict[object, list[AssessmentPoint]] = {}
    for point in sorted(assessments, key=lambda p: p.at):
        by_sme.setdefault(point.sme_id, []).append(point)
    spans_by_sme: dict[object, list[EngagementSpan]] = {}
    for span in spans:
        spans_by_sme.setdefault(span.sme_id, []).append(span)
    uplifts = []
    for span in spans:
        if not span.completed or span.end is None:
            continue
        points = by_sme.get(span.sme_id, [])
        before = [p for p in points if p.at <= span.start]
        after = [p for p in points if p.at >= span.end + min_gap]
        if not before or not after:
            continue
        first, last = before[-1], after[0]
        rivals = [
            other
            for other in spans_by_sme[span.sme_id]
            if other.engagement_id != span.engagement_id and _overlaps(other, first.at, last.at)
        ]
        if rivals:
            continue
        uplifts.append(
            Uplift(
                engagement_id=span.engagement_id,
                sme_id=span.sme_id,
                partner_id=span.partner_id,
                level_delta=last.level - first.level,
                score_delta=round(last.score - first.score, 1),
            )
        )
    return uplifts


def uplift_stats(uplifts: list[Uplift]) -> UpliftStats:
    n = len(uplifts)
    levels = [u.level_delta for u in uplifts]
    mean_levels = sum(levels) / n
    mean_score = sum(u.score_delta for u in uplifts) / n
    if n < 2:
        return UpliftStats(n, mean_levels, mean_score, mean_levels, mean_levels)
    variance = sum((x - mean_levels) ** 2 for x in levels) / (n - 1)
    half = float(stdtrit(n - 1, (1 + CONFIDENCE) / 2)) * math.sqrt(variance / n)
    return UpliftStats(
        n,
        round(mean_levels, 2),
        round(mean_score, 1),
        round(mean_levels - half, 2),
        round(mean_levels + half, 2),
    )


def partner_uplift(uplifts: list[Uplift]) -> dict[object, UpliftStats]:
    """Per partner, from `MIN_SAMPLE` observations up; partners with fewer are absent."""
    grouped: dict[object, list[Uplift]] = {}
    for uplift in uplifts:
        grouped.setdefault(uplift.partner_id, []).append(uplift)
    return {partner: uplift_stats(rows) for partner, rows in grouped.items() if len(rows) >= MIN_SAMPLE}


def explanation_line(stats_: UpliftStats) -> str:
    """The sentence matching and the profile show, e.g. "clients gained on average +0.8 levels, n=12"."""
    return uplift_sentence(stats_.mean_levels, stats_.n)


def uplift_sentence(mean_levels: float, n: int) -> str:
    return f"clients of this partner gained on average {mean_levels:+.1f} levels, n={n}"
