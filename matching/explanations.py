"""Why a pair scored what it did: each feature's value, weight, contribution and reason.

Pure, like the engine it explains: a reason is a code with params (for clients that word it
themselves) and an English text; the contributions are stored compactly with a recommendation
(CONTRIBUTION_FIELDS) and expanded for the API.
"""

from matching.engine import (
    BUDGET_CHEAPER,
    BUDGET_FITS,
    BUDGET_UNKNOWN,
    CATEGORY_CHILD,
    CATEGORY_EXACT,
    FEATURES,
    INDUSTRY_LEVELS,
    REGION_CITY,
    REGION_DISTRICT,
    REGION_PROVINCE,
    SIZE_MATCH,
    OfferingInput,
    SubjectInput,
    normalise_weights,
    subject_level,
)


def explain(
    subject: SubjectInput,
    offering: OfferingInput,
    values: dict[str, float],
    weights: dict[str, float],
) -> list[dict]:
    """Every feature's value, weight, contribution and reason (code, params and English text),
    the biggest contribution first."""
    return Explainer(weights).explain(subject, offering, values)


class Explainer:
    """`explain` for many pairs: the weights are normalised once, and the reasons that depend on
    the offering alone (quality, capacity) are built once per offering."""

    def __init__(self, weights: dict[str, float]):
        self.vector = [round(weight, 4) for weight in normalise_weights(weights).tolist()]
        self._raw = normalise_weights(weights).tolist()
        self._per_offering: dict[str, tuple] = {}
        self._reasons: dict[tuple, tuple] = {}

    def explain(self, subject: SubjectInput, offering: OfferingInput, values: dict[str, float]) -> list[dict]:
        return contributions_expand(self.explain_compact(subject, offering, values))

    def explain_compact(
        self, subject: SubjectInput, offering: OfferingInput, values: dict[str, float]
    ) -> list[list]:
        """The stored form: one [feature, value, weight, contribution, code, params, reason] list
        per feature (CONTRIBUTION_FIELDS), the biggest contribution first."""
        cached = self._per_offering.get(offering.id)
        if cached is None:
            cached = self._per_offering[offering.id] = (
                _reason_quality(subject, offering, 0.0),
                _reason_capacity(subject, offering, 0.0),
            )
        cache = self._reasons
        rows = []
        for position, name in enumerate(FEATURES):
            value = values[name]
            if name == "quality":
                reason = cached[0]
            elif name == "capacity":
                reason = cached[1]
            elif name in _CACHE_KEYS:
                key = (name, value, *_CACHE_KEYS[name](subject, offering))
                reason = cache.get(key)
                if reason is None:
                    reason = cache[key] = _REASONS[name](subject, offering, value)
            else:
                reason = _REASONS[name](subject, offering, value)
            rows.append(
                [name, round(value, 4), self.vector[position], round(self._raw[position] * value, 4), *reason]
            )
        rows.sort(key=_by_contribution)
        return rows


# Reasons that depend only on the value and these few facts are built once per distinct key.
_CACHE_KEYS = {
    "category": lambda s, o: (bool(s.categories), o.category),
    "industry": lambda s, o: (s.industry_code, bool(o.industries)),
    "size": lambda s, o: (s.size_class, bool(o.size_classes)),
    "region": lambda s, o: (bool(s.region_code), o.delivery_mode),
    "maturity": lambda s, o: (s.maturity_level, s.weakest_dimensions, tuple(o.maturity_levels), o.dimensions),
}


CONTRIBUTION_FIELDS = ("feature", "value", "weight", "contribution", "code", "params", "reason")


def contributions_expand(stored: list) -> list[dict]:
    """Stored contributions (compact lists, or dicts) as dicts keyed by CONTRIBUTION_FIELDS."""
    return [
        row if isinstance(row, dict) else dict(zip(CONTRIBUTION_FIELDS, row, strict=True)) for row in stored
    ]


def _by_contribution(row: list) -> tuple:
    return (-row[3], _FEATURE_ORDER[row[0]])


_FEATURE_ORDER = {name: position for position, name in enumerate(FEATURES)}


def _reason_category(subject, offering, value):
    if not subject.categories:
        return "category_open", {}, "no category requested"
    if value >= CATEGORY_EXACT:
        return "category_exact", {"category": offering.category}, f"category {offering.category}"
    if value >= CATEGORY_CHILD:
        return "category_child", {"category": offering.category}, f"sub-category {offering.category}"
    if value > 0:
        return "category_related", {"category": offering.category}, f"related category {offering.category}"
    return "category_other", {"category": offering.category}, f"other category {offering.category}"


def _reason_industry(subject, offering, value):
    if not subject.industry_code:
        return "industry_unknown", {}, "industry not given"
    if not offering.industries:
        return "industry_any", {}, "serves every industry"
    for length, weight, level in INDUSTRY_LEVELS:
        code = subject.industry_code[:length]
        if len(subject.industry_code) >= length and code in offering.industries and value >= weight:
            return "industry_match", {"industry": code, "level": level}, f"industry {code}"
    return "industry_other", {}, "targets other industries"


def _reason_size(subject, offering, value):
    if not subject.size_class:
        return "size_unknown", {}, "size class not known"
    if not offering.size_classes:
        return "size_any", {}, "suits every size"
    if value >= SIZE_MATCH:
        return "size_match", {"size_class": subject.size_class}, f"made for {subject.size_class} enterprises"
    return "size_other", {"size_class": subject.size_class}, f"not made for {subject.size_class} enterprises"


def _reason_region(subject, offering, value):
    if not subject.region_code:
        return "region_unknown", {}, "region not known"
    if value == 0:
        return "region_outside", {}, "outside the regions served"
    if value >= REGION_DISTRICT:
        return "region_district", {}, "same district"
    if value >= REGION_CITY:
        return "region_city", {}, "same city"
    if value >= REGION_PROVINCE:
        return "region_province", {}, "same province"
    if offering.delivery_mode == "offline":
        return "region_remote_offline", {}, "on site, from another province"
    return "region_remote_online", {}, "online delivery nationwide"


def _reason_budget(subject, offering, value):
    if value == BUDGET_UNKNOWN and (
        (subject.budget_min is None and subject.budget_max is None)
        or (offering.price_min is None and offering.price_max is None)
    ):
        return "budget_unknown", {}, "budget or price not given"
    if value >= BUDGET_FITS:
        return "budget_fits", {}, "price within budget"
    if value == BUDGET_CHEAPER:
        return "budget_cheaper", {}, "cheaper than budgeted"
    if subject.budget_max and offering.price_min is not None:
        over = round(100 * (offering.price_min - subject.budget_max) / subject.budget_max)
        return "budget_over", {"percent": over}, f"over budget by {over}%"
    return "budget_over", {}, "over budget"


def _reason_maturity(subject, offering, value):
    parts, params = [], {}
    level = subject_level(subject.maturity_level)
    if level is not None and level in offering.maturity_levels:
        parts.append(f"for level {subject.maturity_level}")
        params["level"] = subject.maturity_level
    addressed = [d for d in subject.weakest_dimensions if d in offering.dimensions]
    if addressed:
        parts.append("addresses " + ", ".join(addressed))
        params["dimensions"] = addressed
    if not parts:
        return "maturity_generic", {}, "not aimed at this maturity profile"
    return "maturity_fit", params, "; ".join(parts)


def _reason_text(subject, offering, value):
    if value <= 0:
        return "text_none", {}, "no shared terms"
    shared = sorted(set(subject.text).intersection(offering.text))[:5]
    if not shared:
        return "text_none", {}, "no shared terms"
    return "text_terms", {"terms": shared}, "mentions " + "、".join(shared)


def _reason_quality(subject, offering, value):
    params = {"rating": round(offering.rating_bayes, 1), "reviews": offering.rating_count}
    params["completed"] = offering.completed_engagements
    rating = f"rating {offering.rating_bayes:.1f}" if offering.rating_count else "not yet rated"
    return "quality", params, f"{rating}, {offering.completed_engagements} completed here"


def _reason_capacity(subject, offering, value):
    params = {"free": offering.free_capacity, "capacity": offering.capacity}
    return "capacity", params, f"{offering.free_capacity} of {offering.capacity} slots free"


_REASONS = {
    "category": _reason_category,
    "industry": _reason_industry,
    "size": _reason_size,
    "region": _reason_region,
    "budget": _reason_budget,
    "maturity": _reason_maturity,
    "text": _reason_text,
    "quality": _reason_quality,
    "capacity": _reason_capacity,
}


def explanation_line(contributions: list, *, limit: int = 3) -> str:
    """'same district +0.15, industry C39 +0.20, rating 4.7 +0.08': the top contributions."""
    top = [row for row in contributions_expand(contributions) if row["contribution"] > 0][:limit]
    return ", ".join(f"{row['reason']} +{row['contribution']:.2f}" for row in top)
