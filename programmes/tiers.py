"""Which partner tier a partner's record earns, and the criterion that decides it (pure, no ORM).

Tiers rise registered -> certified -> strategic. A tier is earned when every one of its four
criteria holds; the earned tier is the highest such tier (a partner that misses `certified` but
would meet `strategic` has still not earned `strategic`: tiers are climbed in order).
"""

from dataclasses import dataclass
from decimal import Decimal

TIERS = ("registered", "certified", "strategic")
# The order in which criteria are checked and reported.
CRITERIA = ("completed_engagements", "rating", "certifications", "years_accredited")


@dataclass(frozen=True)
class PartnerRecord:
    completed_engagements: int
    rating: Decimal | None  # Bayesian rating; None without reviews
    certifications: int
    years_accredited: int


@dataclass(frozen=True)
class Thresholds:
    completed_engagements: int
    rating: Decimal
    certifications: int
    years_accredited: int


@dataclass(frozen=True)
class TierDecision:
    tier: str
    # The criterion that decides the move: for a demotion, the first criterion of the current
    # tier that no longer holds; for a promotion, the criterion of the new tier held by the
    # narrowest margin (the one that made it just now); "" when the tier stays.
    criterion: str


def _holds(record: PartnerRecord, thresholds: Thresholds, criterion: str) -> bool:
    value, required = getattr(record, criterion), getattr(thresholds, criterion)
    if value is None:
        return required <= 0
    return value >= required


def unmet(record: PartnerRecord, thresholds: Thresholds) -> list[str]:
    return [criterion for criterion in CRITERIA if not _holds(record, thresholds, criterion)]


def _margin(record: PartnerRecord, thresholds: Thresholds, criterion: str) -> float:
    value, required = getattr(record, criterion), getattr(thresholds, criterion)
    value = 0 if value is None else value
    return float(value - required) / float(required) if required else float("inf")


def earned_tier(record: PartnerRecord, criteria: dict[str, Thresholds]) -> str:
    """The highest tier whose criteria, and those of every tier below it, all hold."""
    tier = TIERS[0]
    for candidate in TIERS[1:]:
        if unmet(record, criteria[candidate]):
            break
        tier = candidate
    return tier


def tier_decision(*, record: PartnerRecord, current: str, criteria: dict[str, Thresholds]) -> TierDecision:
    current = current if current in TIERS else TIERS[0]
    earned = earned_tier(record, criteria)
    if earned == current:
        return TierDecision(tier=current, criterion="")
    if TIERS.index(earned) < TIERS.index(current):
        return TierDecision(tier=earned, criterion=unmet(record, criteria[current])[0])
    thresholds = criteria[earned]
    narrowest = min(
        CRITERIA, key=lambda criterion: (_margin(record, thresholds, criterion), CRITERIA.index(criterion))
    )
    return TierDecision(tier=earned, criterion=narrowest)
