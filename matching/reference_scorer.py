"""The matching score written pair by pair in plain Python: the executable specification.

The vectorised engine (matching/engine.py) must agree with it on every pair (the tests check),
and the benchmark measures how much faster the engine is.
"""

import math
from collections import Counter
from collections.abc import Sequence

from cluster_platform.reference.regions import is_region_code, region_contains
from matching import engine as e


class ReferenceBM25:
    def __init__(self, documents: Sequence[Sequence[str]]):
        self.documents = [Counter(document) for document in documents]
        self.lengths = [len(document) for document in documents]
        total = sum(self.lengths)
        self.average_length = total / len(documents) if documents and total else 1.0
        frequency = Counter()
        for document in self.documents:
            frequency.update(document.keys())
        n = len(documents)
        self.idf = {term: math.log1p((n - df + 0.5) / (df + 0.5)) for term, df in frequency.items()}

    def score(self, query: Sequence[str], index: int) -> float:
        document, length = self.documents[index], self.lengths[index]
        total = 0.0
        for term, count in Counter(query).items():
            tf = document.get(term, 0)
            if not tf:
                continue
            norm = e.BM25_K1 * (1 - e.BM25_B + e.BM25_B * length / self.average_length)
            total += count * self.idf[term] * tf * (e.BM25_K1 + 1) / (tf + norm)
        return total


def category_value(s: e.SubjectInput, o: e.OfferingInput) -> float:
    if not s.categories:
        return e.CATEGORY_UNKNOWN
    if o.category in s.categories:
        return e.CATEGORY_EXACT
    if o.category_parent and o.category_parent in s.categories:
        return e.CATEGORY_CHILD
    family = set(s.categories) | set(s.category_parents)
    if {o.category, o.category_parent} - {""} & family:
        return e.CATEGORY_SIBLING
    return 0.0


def industry_value(s: e.SubjectInput, o: e.OfferingInput) -> float:
    if not s.industry_code:
        return e.INDUSTRY_UNKNOWN
    best = e.INDUSTRY_ANY if not o.industries else 0.0
    for length, weight, _level in e.INDUSTRY_LEVELS:
        if len(s.industry_code) >= length and s.industry_code[:length] in o.industries:
            best = max(best, weight)
    return best


def size_value(s: e.SubjectInput, o: e.OfferingInput) -> float:
    if s.size_class not in e.SIZE_CLASSES:
        return e.SIZE_UNKNOWN
    if not o.size_classes:
        return e.SIZE_ANY
    return e.SIZE_MATCH if s.size_class in o.size_classes else 0.0


def region_value(s: e.SubjectInput, o: e.OfferingInput) -> float:
    if len(s.region_code) != 6:
        return e.REGION_UNKNOWN
    if o.regions and not any(region_contains(code, s.region_code) for code in o.regions):
        return 0.0
    partner = o.partner_region if len(o.partner_region) == 6 else ""
    if partner and partner == s.region_code:
        return e.REGION_DISTRICT
    if partner and partner[:4] == s.region_code[:4]:
        return e.REGION_CITY
    if partner and partner[:2] == s.region_code[:2]:
        return e.REGION_PROVINCE
    return e.REGION_REMOTE_OFFLINE if o.delivery_mode == "offline" else e.REGION_REMOTE_ONLINE


def budget_value(s: e.SubjectInput, o: e.OfferingInput) -> float:
    relation, gap = e.budget_relation(s, o)
    fixed = {
        "free": e.BUDGET_FREE,
        "unknown": e.BUDGET_UNKNOWN,
        "fits": e.BUDGET_FITS,
        "cheaper": e.BUDGET_CHEAPER,
    }
    if relation in fixed:
        return fixed[relation]
    return min(0.5, max(0.0, 0.5 * (1 - 2 * gap)))


def maturity_value(s: e.SubjectInput, o: e.OfferingInput) -> float:
    level = None if s.maturity_level is None else max(1, s.maturity_level)
    if level is None or not o.maturity_levels:
        level_fit = e.LEVEL_ANY
    elif level in o.maturity_levels:
        level_fit = e.LEVEL_FIT
    elif level - 1 in o.maturity_levels or level + 1 in o.maturity_levels:
        level_fit = e.LEVEL_ADJACENT
    else:
        level_fit = 0.0
    if not s.weakest_dimensions or not e.is_proactive(s):
        dimension_fit = e.DIMENSION_UNKNOWN
    elif not o.dimensions:
        dimension_fit = e.DIMENSION_GENERIC
    else:
        dimension_fit = e.DIMENSION_FIT if set(s.weakest_dimensions) & set(o.dimensions) else 0.0
    return 0.5 * level_fit + 0.5 * dimension_fit


def declared_exclusion(s: e.SubjectInput, o: e.OfferingInput) -> bool:
    """The offering's own declarations leave the SME out (regions served, industries, sizes)."""
    served = o.regions
    if (
        is_region_code(s.region_code)
        and served
        and not any(region_contains(c, s.region_code) for c in served)
    ):
        return True
    if (
        s.industry_code
        and o.industries
        and not any(
            len(s.industry_code) >= length and s.industry_code[:length] in o.industries
            for length, _weight, _level in e.INDUSTRY_LEVELS
        )
    ):
        return True
    declared_sizes = [size for size in o.size_classes if size in e.SIZE_CLASSES]
    return bool(s.size_class in e.SIZE_CLASSES and declared_sizes and s.size_class not in declared_sizes)


class ReferenceText:
    """The two BM25 indexes of the text feature: words and concepts, and character bigrams."""

    def __init__(self, offerings: Sequence[e.OfferingInput]):
        self.words = ReferenceBM25([o.text for o in offerings])
        self.bigrams = ReferenceBM25([o.bigrams for o in offerings])

    def values(self, subject: e.SubjectInput, count: int) -> list[float]:
        def relative(index, query):
            raw = [index.score(query, position) for position in range(count)]
            best = max(raw, default=0.0)
            return [value / best if best > 0 else 0.0 for value in raw]

        words, bigrams = relative(self.words, subject.text), relative(self.bigrams, subject.bigrams)
        return [
            e.TEXT_WORD_SHARE * w + (1 - e.TEXT_WORD_SHARE) * b for w, b in zip(words, bigrams, strict=True)
        ]


def run_weights(offerings: Sequence[e.OfferingInput], weights: dict[str, float]) -> dict[str, float]:
    """The agency's weights less those of offering priors that are equal for every offering."""
    effective = dict(weights)
    priors = {"quality": e.quality_value, "capacity": e.capacity_value, "uplift": e.uplift_value}
    for name in e.OFFERING_PRIORS:
        values = [priors[name](offering) for offering in offerings]
        if values and max(values) - min(values) <= 1e-6:
            effective[name] = 0.0
    if sum(max(0.0, effective.get(name, 0.0)) for name in e.FEATURES) <= 0:
        return dict(weights)
    return effective


def score_subject(
    subject: e.SubjectInput,
    offerings: Sequence[e.OfferingInput],
    weights: dict[str, float],
    text: ReferenceText,
) -> list[tuple[float, dict[str, float]]]:
    """(score, feature values) of `subject` against every offering; excluded pairs score -1."""
    weights = run_weights(offerings, weights)
    total = sum(max(0.0, weights.get(name, 0.0)) for name in e.FEATURES)
    normalised = {name: max(0.0, weights.get(name, 0.0)) / total for name in e.FEATURES}
    text_values = text.values(subject, len(offerings))
    results = []
    for index, offering in enumerate(offerings):
        values = {
            "category": category_value(subject, offering),
            "industry": industry_value(subject, offering),
            "size": size_value(subject, offering),
            "region": region_value(subject, offering),
            "budget": budget_value(subject, offering),
            "maturity": maturity_value(subject, offering),
            "text": text_values[index],
            "quality": e.quality_value(offering),
            "capacity": e.capacity_value(offering),
            "uplift": e.uplift_value(offering),
        }
        excluded = (
            offering.partner_id == subject.sme_id
            or offering.id in subject.excluded_offerings
            or declared_exclusion(subject, offering)
        )
        score = -1.0 if excluded else sum(normalised[name] * values[name] for name in e.FEATURES)
        results.append((score, values))
    return results
