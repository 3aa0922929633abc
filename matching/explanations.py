"""Why a pair scored what it did: each feature's value, weight, contribution and reason.

Pure, like the engine it explains: a reason is a code with params (for clients that word it
themselves) and an English text; the contributions are stored compactly with a recommendation
(CONTRIBUTION_FIELDS) and expanded for the API.
"""

import functools
import json
import math
from collections.abc import Sequence
from json.encoder import encode_basestring

import numpy as np

from cluster_platform.text import CONCEPT_PREFIX
from matching.engine import (
    CATEGORY_CHILD,
    CATEGORY_EXACT,
    FEATURES,
    INDUSTRY_LEVELS,
    OFFERING_PRIORS,
    REGION_CITY,
    REGION_DISTRICT,
    REGION_PROVINCE,
    SIZE_MATCH,
    OfferingInput,
    SubjectInput,
    budget_relation,
    normalise_weights,
    subject_level,
)
from services.reputation import uplift_sentence


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
    """`explain` for many pairs, with the weights normalised once. `explain_json_many` gives the
    stored form of a run's pairs as JSON text, feature by feature, from cached rows: a row
    depends only on the value and a few facts of the pair (the offering alone for quality and
    capacity), so most pairs' rows are found, not built; a run explains 200,000 pairs."""

    def __init__(self, weights: dict[str, float]):
        self.vector = [round(weight, 4) for weight in normalise_weights(weights).tolist()]
        self._raw = normalise_weights(weights).tolist()
        self._rows: list[dict] = [{} for _name in FEATURES]  # per feature: key -> row
        self._text_reasons: dict[tuple, str] = {}
        self._offering_terms: dict[str, frozenset] = {}

    def explain(self, subject: SubjectInput, offering: OfferingInput, values: dict[str, float]) -> list[dict]:
        return contributions_expand(self.explain_compact(subject, offering, values))

    def explain_compact(
        self, subject: SubjectInput, offering: OfferingInput, values: dict[str, float]
    ) -> list[list]:
        """The stored form: one [feature, value, weight, contribution, code, params, reason] list
        per feature (CONTRIBUTION_FIELDS), the biggest contribution first."""
        row = np.array([[values[name] for name in FEATURES]], dtype=np.float64)
        return json.loads(self.explain_json_many([(subject, offering)], row)[0])

    def explain_json_many(
        self, pairs: Sequence[tuple[SubjectInput, OfferingInput]], values: np.ndarray
    ) -> list[str]:
        """Each pair's stored form as the JSON text `json.dumps(rows, ensure_ascii=False)` gives;
        `values` is pairs x FEATURES."""
        columns = values.T.tolist()
        by_feature = [
            self._feature_rows(position, pairs, columns[position]) for position in range(len(FEATURES))
        ]
        # A row sorts as (-contribution, feature position): the biggest contribution first.
        return [
            "[" + ", ".join([row[2] for row in sorted(rows)]) + "]" for rows in zip(*by_feature, strict=True)
        ]

    def _feature_rows(self, position: int, pairs, column: list[float]) -> list[tuple]:
        name = FEATURES[position]
        cache = self._rows[position]
        rows = []
        if name in OFFERING_PRIORS and self._raw[position] == 0:
            for value in column:
                row = cache.get(value)
                if row is None:
                    row = cache[value] = self._row(position, value, _json_reason(_PRIOR_UNWEIGHTED))
                rows.append(row)
        elif name in OFFERING_PRIORS:
            reason_of = _REASONS[name]
            for (subject, offering), value in zip(pairs, column, strict=True):
                key = (value, offering.id)
                row = cache.get(key)
                if row is None:
                    row = cache[key] = self._row(
                        position, value, _json_reason(reason_of(subject, offering, value))
                    )
                rows.append(row)
        elif name in _CACHE_KEYS:
            facts, reason_of = _CACHE_KEYS[name], _REASONS[name]
            for (subject, offering), value in zip(pairs, column, strict=True):
                key = (value, *facts(subject, offering))
                row = cache.get(key)
                if row is None:
                    row = cache[key] = self._row(
                        position, value, _json_reason(reason_of(subject, offering, value))
                    )
                rows.append(row)
        elif name == "text":
            subject_terms: tuple = (None, frozenset())
            for (subject, offering), value in zip(pairs, column, strict=True):
                # A subject's pairs come one after another: its term set is built once.
                if subject_terms[0] is not subject:
                    subject_terms = (subject, frozenset(subject.text))
                offering_terms = self._offering_terms.get(offering.id)
                if offering_terms is None:
                    offering_terms = self._offering_terms[offering.id] = frozenset(offering.text)
                common = subject_terms[1] & offering_terms
                key = (value > 0, common)
                reason = self._text_reasons.get(key)
                if reason is None:
                    reason = self._text_reasons[key] = _json_text_reason(_reason_text_from(value, common))
                rows.append(self._row(position, value, reason))  # text values rarely repeat
        else:  # budget: from the prices; its code and text say all its params do
            for (subject, offering), value in zip(pairs, column, strict=True):
                code, params, text = _reason_budget(subject, offering, value)
                key = (value, code, text)
                row = cache.get(key)
                if row is None:
                    row = cache[key] = self._row(position, value, _json_reason((code, params, text)))
                rows.append(row)
        return rows

    def _row(self, position: int, value: float, reason_json: str) -> tuple:
        contribution = round(self._raw[position] * value, 4)
        return (
            -contribution,
            position,
            f'["{FEATURES[position]}", {round(value, 4)!r}, {self.vector[position]!r}, '
            f"{contribution!r}, {reason_json}]",
        )


def _json_reason(reason: tuple) -> str:
    """code, params, text as JSON list items."""
    code, params, text = reason
    return f"{encode_basestring(code)}, {json.dumps(params, ensure_ascii=False)}, {encode_basestring(text)}"


def _json_text_reason(reason: tuple) -> str:
    """`_json_reason` for a text reason, whose params hold at most the shared terms (json.dumps of
    the params dict alone took a third of the time of explaining a run)."""
    code, params, text = reason
    if not params:
        return _json_reason(reason)
    terms = ", ".join(map(encode_basestring, params["terms"]))
    return f'{encode_basestring(code)}, {{"terms": [{terms}]}}, {encode_basestring(text)}'


# Reasons that depend only on the value and these few facts are built once per distinct key.
_CACHE_KEYS = {
    "category": lambda s, o: (bool(s.categories), o.category),
    "industry": lambda s, o: (s.industry_code, bool(o.industries)),
    "size": lambda s, o: (s.size_class, bool(o.size_classes)),
    "region": lambda s, o: (bool(s.region_code), o.delivery_mode),
    "maturity": lambda s, o: (s.maturity_level, s.weakest_dimensions, tuple(o.maturity_levels), o.dimensions),
}


_PRIOR_UNWEIGHTED = ("prior_unweighted", {}, "the same for every offering in this run, not weighted")

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
    # From the prices themselves, never from the (float32) value: the reason must be true.
    relation, over_share = budget_relation(subject, offering)
    if relation == "free":
        return "budget_free", {}, "free of charge"
    if relation == "unknown":
        return "budget_unknown", {}, "budget or price not given"
    if relation == "fits":
        return "budget_fits", {}, "price within budget"
    if relation == "cheaper":
        return "budget_cheaper", {}, "cheaper than budgeted"
    if over_share <= 0 or not math.isfinite(over_share):
        # A budget of 0 (or one so small the share overflows): over it, by no meaningful share.
        return "budget_over", {}, "over budget"
    percent = max(1, math.ceil(100 * over_share - 1e-9))
    return "budget_over", {"percent": percent}, f"over budget by {percent}%"


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
    return _reason_text_from(value, set(subject.text).intersection(offering.text))


def _reason_text_from(value, common):
    if value <= 0:
        return "text_none", {}, "no shared terms"
    # Concepts first (they say what both are about), shown by their canonical name.
    shared = list(dict.fromkeys(name for _kind, name in sorted(map(_shown_term, common))))[:5]
    if not shared:
        return "text_similar", {}, "similar wording"
    return "text_terms", {"terms": shared}, "mentions " + "、".join(shared)


@functools.lru_cache(maxsize=1 << 16)
def _shown_term(term: str) -> tuple[int, str]:
    """How a shared term sorts and shows: concepts first, by their canonical name, then words."""
    if term.startswith(CONCEPT_PREFIX):
        return 0, term.removeprefix(CONCEPT_PREFIX)
    return 1, term


def _reason_quality(subject, offering, value):
    params = {"rating": round(offering.rating_bayes, 1), "reviews": offering.rating_count}
    params["completed"] = offering.completed_engagements
    rating = f"rating {offering.rating_bayes:.1f}" if offering.rating_count else "not yet rated"
    return "quality", params, f"{rating}, {offering.completed_engagements} completed here"


def _reason_capacity(subject, offering, value):
    params = {"free": offering.free_capacity, "capacity": offering.capacity}
    return "capacity", params, f"{offering.free_capacity} of {offering.capacity} slots free"


def _reason_uplift(subject, offering, value):
    if offering.uplift_levels is None:
        return "uplift_unknown", {}, "client uplift not yet measured"
    params = {"levels": offering.uplift_levels, "clients": offering.uplift_clients}
    return "uplift", params, uplift_sentence(offering.uplift_levels, offering.uplift_clients)


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
    "uplift": _reason_uplift,
}


def explanation_line(contributions: list, *, limit: int = 3) -> str:
    """'same district +0.15, industry C39 +0.20, rating 4.7 +0.08': the top contributions."""
    top = [row for row in contributions_expand(contributions) if row["contribution"] > 0][:limit]
    return ", ".join(f"{row['reason']} +{row['contribution']:.2f}" for row in top)
