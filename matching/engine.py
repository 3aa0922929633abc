"""The matching engine: scores (demand or SME, offering) pairs and assigns recommendations.

Pure: plain values in, plain values out, no ORM. `matching/services.py` loads the inputs and
stores the result; `matching/reference_scorer.py` is the same score written pair by pair in
plain Python, the executable specification the engine is tested (and benchmarked) against.

Every feature lies in [0, 1]; the score is the weighted sum with the weights normalised to sum
1, so it also lies in [0, 1] and each feature's contribution is `weight * value`. The formulas
are documented with the constants below and in docs/matching.md.

Speed: subjects are scored in blocks against every offering at once. Features over sets
(category, industry, region coverage, text) are sparse matrix products; the others are NumPy
broadcasts over per-offering vectors. Each block keeps only its top candidates.

Why a pair scored what it did (per-feature reasons) is in `matching/explanations.py`.

Capacity: `assign` walks every candidate pair of the run in descending score order and takes a
pair while its subject has fewer than `top_n` recommendations and its offering has slots left,
so no offering (hence no partner) is recommended beyond its free capacity in one run.
"""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from cluster_platform.reference.regions import is_region_code, region_covering_codes

FEATURES = ("category", "industry", "size", "region", "budget", "maturity", "text", "quality", "capacity")
DEFAULT_WEIGHTS = {
    "category": 0.20,
    "industry": 0.15,
    "size": 0.05,
    "region": 0.10,
    "budget": 0.10,
    "maturity": 0.10,
    "text": 0.15,
    "quality": 0.10,
    "capacity": 0.05,
}

# --- feature constants (see docs/matching.md) ---------------------------------------------
CATEGORY_EXACT, CATEGORY_CHILD, CATEGORY_SIBLING, CATEGORY_UNKNOWN = 1.0, 0.8, 0.5, 0.5
# GB/T 4754 levels by code length: class (5), group (4), division (3), section (1).
INDUSTRY_LEVELS = ((5, 1.0, "class"), (4, 0.8, "group"), (3, 0.6, "division"), (1, 0.3, "section"))
INDUSTRY_ANY, INDUSTRY_UNKNOWN = 0.5, 0.5
SIZE_MATCH, SIZE_ANY, SIZE_UNKNOWN = 1.0, 0.6, 0.5
SIZE_CLASSES = ("micro", "small", "medium", "large")
REGION_DISTRICT, REGION_CITY, REGION_PROVINCE = 1.0, 0.8, 0.6
REGION_REMOTE_ONLINE, REGION_REMOTE_OFFLINE, REGION_UNKNOWN = 0.4, 0.1, 0.5
BUDGET_FITS, BUDGET_CHEAPER, BUDGET_UNKNOWN = 1.0, 0.7, 0.5
LEVEL_FIT, LEVEL_ADJACENT, LEVEL_ANY = 1.0, 0.3, 0.5
DIMENSION_FIT, DIMENSION_GENERIC, DIMENSION_UNKNOWN = 1.0, 0.3, 0.5
BM25_K1, BM25_B = 1.2, 0.75
RATING_UNRATED = 0.6  # an unrated partner counts as a 3-star one
COMPLETED_SCALE = 5.0  # completed engagements in the cluster: 1 - exp(-n / scale)
QUALITY_RATING_SHARE = 0.7
CANDIDATES_PER_SLOT = 3  # a subject keeps top_n * 3 candidates for the capacity-aware assignment
BLOCK = 384
_F = np.float32


@dataclass(frozen=True)
class OfferingInput:
    id: str
    partner_id: str
    category: str
    category_parent: str = ""
    industries: tuple[str, ...] = ()  # GB/T 4754 prefixes targeted; () = any
    size_classes: tuple[str, ...] = ()  # () = any
    regions: tuple[str, ...] = ()  # GB/T 2260 codes served; () = nationwide
    partner_region: str = ""
    delivery_mode: str = "online"
    price_min: float | None = None
    price_max: float | None = None
    maturity_levels: tuple[int, ...] = ()  # () = any
    dimensions: tuple[str, ...] = ()  # maturity dimensions it addresses
    text: tuple[str, ...] = ()  # segmented terms
    rating_bayes: float = 0.0
    rating_count: int = 0
    completed_engagements: int = 0  # the partner's, in this cluster
    capacity: int = 1
    free_capacity: int = 1


@dataclass(frozen=True)
class SubjectInput:
    key: str  # "demand:<uuid>" or "sme:<uuid>"
    sme_id: str
    categories: tuple[str, ...] = ()
    category_parents: tuple[str, ...] = ()
    industry_code: str = ""
    size_class: str = ""
    region_code: str = ""
    budget_min: float | None = None
    budget_max: float | None = None
    maturity_level: int | None = None
    weakest_dimensions: tuple[str, ...] = ()
    text: tuple[str, ...] = ()
    excluded_offerings: frozenset = field(default_factory=frozenset)  # dismissed by the SME


@dataclass
class Match:
    subject: int  # index into the subjects
    offering: int  # index into the offerings
    score: float
    values: dict[str, float]


def normalise_weights(weights: dict[str, float]) -> np.ndarray:
    vector = np.array([max(0.0, float(weights.get(feature, 0.0))) for feature in FEATURES], dtype=np.float64)
    total = vector.sum()
    if total <= 0:
        raise ValueError("At least one weight must be positive.")
    return vector / total


# --- vocabulary helpers ---------------------------------------------------------------------


class _Vocabulary(dict):
    def index(self, term: str) -> int:
        position = self.get(term)
        if position is None:
            position = self[term] = len(self)
        return position


def _incidence(
    rows: Sequence[Iterable], vocabulary: _Vocabulary, *, grow: bool, values=None
) -> sparse.csr_matrix:
    """A 0/1 (or `values`) matrix of rows x vocabulary terms; unknown terms are skipped unless `grow`."""
    indptr, indices, data = [0], [], []
    for row_number, row in enumerate(rows):
        seen = set()
        for term in row:
            position = vocabulary.index(term) if grow else vocabulary.get(term)
            if position is None or position in seen:
                continue
            seen.add(position)
            indices.append(position)
            data.append(1.0 if values is None else values[row_number][term])
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (
            np.array(data, dtype=np.float32),
            np.array(indices, dtype=np.int64),
            np.array(indptr, dtype=np.int64),
        ),
        shape=(len(rows), max(1, len(vocabulary))),
    )


def _pad(matrix: sparse.csr_matrix, columns: int) -> sparse.csr_matrix:
    if matrix.shape[1] == columns:
        return matrix
    return sparse.csr_matrix((matrix.data, matrix.indices, matrix.indptr), shape=(matrix.shape[0], columns))


class BM25Index:
    """Okapi BM25 over the offerings' segmented text: a sparse documents x terms weight matrix."""

    def __init__(self, documents: Sequence[Sequence[str]]):
        self.vocabulary = _Vocabulary()
        counts = [Counter(document) for document in documents]
        lengths = np.array([len(document) for document in documents], dtype=np.float64)
        self.average_length = float(lengths.mean()) if len(documents) and lengths.sum() else 1.0
        tf = _incidence([list(c) for c in counts], self.vocabulary, grow=True, values=counts).astype(
            np.float64
        )
        document_frequency = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float64)
        n = len(documents)
        self.idf = np.log1p((n - document_frequency + 0.5) / (document_frequency + 0.5))
        norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths / self.average_length)
        row_of = np.repeat(np.arange(n), np.diff(tf.indptr))
        weighted = tf.copy()
        weighted.data = self.idf[tf.indices] * tf.data * (BM25_K1 + 1) / (tf.data + norm[row_of])
        self.weights_t = weighted.T.tocsr().astype(np.float32)  # terms x documents

    def query_matrix(self, queries: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        counts = [Counter(query) for query in queries]
        matrix = _incidence([list(c) for c in counts], self.vocabulary, grow=False, values=counts)
        return _pad(matrix, self.weights_t.shape[0])

    def scores(self, query_matrix: sparse.csr_matrix) -> np.ndarray:
        """Raw BM25 of each query row against every document (dense, queries x documents)."""
        return (query_matrix @ self.weights_t).toarray()


# --- the prepared offering side ------------------------------------------------------------


class PreparedOfferings:
    """Everything about the offerings that does not depend on the subjects, computed once per run."""

    def __init__(self, offerings: Sequence[OfferingInput]):
        self.offerings = offerings
        self.n = n = len(offerings)
        self.index_of = {offering.id: position for position, offering in enumerate(offerings)}
        self.categories = _Vocabulary()
        self.category_exact = _incidence([[o.category] for o in offerings], self.categories, grow=True)
        self.category_parent = _incidence(
            [[o.category_parent] if o.category_parent else [] for o in offerings], self.categories, grow=True
        )
        width = max(1, len(self.categories))
        self.category_exact = _pad(self.category_exact, width)
        self.category_parent = _pad(self.category_parent, width)
        self.category_family_t = (self.category_exact + self.category_parent).T.tocsr()
        self.industries = _Vocabulary()
        self.industry_by_level = {
            length: _incidence(
                [[code for code in o.industries if len(code) == length] for o in offerings],
                self.industries,
                grow=True,
            )
            for length, _weight, _name in INDUSTRY_LEVELS
        }
        self.industry_by_level = {
            length: _pad(matrix, max(1, len(self.industries)))
            for length, matrix in self.industry_by_level.items()
        }
        self.industry_any = np.array([not o.industries for o in offerings])
        self.regions = _Vocabulary()
        # A served code and every code below it share its prefix; index served codes as the
        # "region chain" form (province xx0000, city xxxx00, district) so a subject's chain hits it.
        self.served = _incidence([list(o.regions) for o in offerings], self.regions, grow=True)
        self.nationwide = np.array([not o.regions for o in offerings])
        partner = np.array(
            [int(o.partner_region) if is_region_code(o.partner_region) else -1 for o in offerings],
            dtype=np.int64,
        )
        # Integer codes: a district is the 6-digit code, its city code // 100, its province // 10000.
        self.partner_district = partner
        self.partner_city = np.where(partner >= 0, partner // 100, -1)
        self.partner_province = np.where(partner >= 0, partner // 10000, -1)
        self.remote_value = np.array(
            [
                REGION_REMOTE_OFFLINE if o.delivery_mode == "offline" else REGION_REMOTE_ONLINE
                for o in offerings
            ],
            dtype=np.float32,
        )
        self.size_mask = np.array([_size_mask(o.size_classes) for o in offerings], dtype=np.int16)
        self.price_min = np.array(
            [np.nan if o.price_min is None else o.price_min for o in offerings], dtype=np.float64
        )
        self.price_max = np.array(
            [
                (np.nan if o.price_min is None else np.inf) if o.price_max is None else o.price_max
                for o in offerings
            ],
            dtype=np.float64,
        )
        self.price_known = ~(np.isnan(self.price_min) & np.isnan(self.price_max))
        self.price_low = np.nan_to_num(self.price_min, nan=0.0)
        self.price_high = np.where(np.isnan(self.price_max), np.inf, self.price_max)
        self.price_low_32 = self.price_low.astype(np.float32)
        self.level_mask = np.array([_level_mask(o.maturity_levels) for o in offerings], dtype=np.int16)
        self.dimension_vocabulary = _Vocabulary()
        self.dimension_mask = np.array(
            [_dimension_mask(o.dimensions, self.dimension_vocabulary, grow=True) for o in offerings],
            dtype=np.int64,
        )
        self.bm25 = BM25Index([o.text for o in offerings])
        self.quality = np.array([quality_value(o) for o in offerings], dtype=np.float32)
        self.capacity = np.array([capacity_value(o) for o in offerings], dtype=np.float32)
        self.partner_ids = np.array([o.partner_id for o in offerings], dtype=object)
        self.offering_ids = [o.id for o in offerings]
        self.industry_any_f = np.where(self.industry_any, INDUSTRY_ANY, 0.0).astype(np.float32)
        self.size_any = self.size_mask == 0
        self.n = n


def _size_mask(classes: Iterable[str]) -> int:
    mask = 0
    for name in classes:
        if name in SIZE_CLASSES:
            mask |= 1 << SIZE_CLASSES.index(name)
    return mask


def _level_mask(levels: Iterable[int]) -> int:
    mask = 0
    for level in levels:
        if 0 <= int(level) <= 4:
            mask |= 1 << int(level)
    return mask


def _dimension_mask(dimensions: Iterable[str], vocabulary: _Vocabulary, *, grow: bool) -> int:
    mask = 0
    for name in dimensions:
        position = vocabulary.index(name) if grow else vocabulary.get(name)
        if position is not None:
            mask |= 1 << position
    return mask


def quality_value(offering: OfferingInput) -> float:
    rating = offering.rating_bayes / 5.0 if offering.rating_count > 0 else RATING_UNRATED
    completed = 1.0 - math.exp(-offering.completed_engagements / COMPLETED_SCALE)
    return QUALITY_RATING_SHARE * min(1.0, max(0.0, rating)) + (1 - QUALITY_RATING_SHARE) * completed


def capacity_value(offering: OfferingInput) -> float:
    if offering.capacity <= 0:
        return 0.0
    return min(1.0, max(0.0, offering.free_capacity / offering.capacity))


# --- scoring ------------------------------------------------------------------------------


def subject_level(level: int | None) -> int | None:
    # Not yet level 1 (level 0) is served by what serves level 1.
    return None if level is None else max(1, int(level))


def feature_block(prepared: PreparedOfferings, subjects: Sequence[SubjectInput]) -> dict[str, np.ndarray]:
    """Every feature for every (subject, offering) pair of a block: name -> float32 (block x offerings)."""
    p = prepared
    b = len(subjects)
    out: dict[str, np.ndarray] = {}

    # Category: exact 1, the offering is a sub-category of a requested one 0.8, same parent 0.5.
    exact = _incidence([s.categories for s in subjects], p.categories, grow=False)
    exact = _pad(exact, p.category_exact.shape[1])
    family = _incidence([s.categories + s.category_parents for s in subjects], p.categories, grow=False)
    family = _pad(family, p.category_exact.shape[1])
    category = np.maximum(
        (exact @ p.category_exact.T).toarray() * CATEGORY_EXACT,
        np.maximum(
            ((exact @ p.category_parent.T).toarray() > 0) * CATEGORY_CHILD,
            ((family @ p.category_family_t).toarray() > 0) * CATEGORY_SIBLING,
        ),
    )
    no_category = np.array([not s.categories for s in subjects])
    category[no_category, :] = CATEGORY_UNKNOWN
    out["category"] = category.astype(np.float32)

    # Industry: the most specific GB/T 4754 level at which a targeted code contains the SME's.
    industry = np.broadcast_to(p.industry_any_f, (b, p.n)).copy()
    width = max(1, len(p.industries))
    for length, weight, _name in INDUSTRY_LEVELS:
        truncated = _incidence(
            [[s.industry_code[:length]] if len(s.industry_code) >= length else [] for s in subjects],
            p.industries,
            grow=False,
        )
        hits = (_pad(truncated, width) @ p.industry_by_level[length].T).toarray() > 0
        industry = np.where(hits, np.maximum(industry, weight), industry)
    no_industry = np.array([not s.industry_code for s in subjects])
    industry[no_industry, :] = INDUSTRY_UNKNOWN
    out["industry"] = industry.astype(np.float32)

    # Size class.
    subject_size = np.array([_size_mask([s.size_class]) for s in subjects], dtype=np.int16)[:, None]
    size = np.where((subject_size & p.size_mask[None, :]) != 0, _F(SIZE_MATCH), _F(0))
    size = np.where(p.size_any[None, :], _F(SIZE_ANY), size)
    out["size"] = np.where(subject_size == 0, _F(SIZE_UNKNOWN), size)

    # Region: outside the regions served 0; else proximity to the partner.
    chains = _incidence([region_covering_codes(s.region_code) for s in subjects], p.regions, grow=False)
    covered = (_pad(chains, p.served.shape[1]) @ p.served.T).toarray() > 0
    covered |= p.nationwide[None, :]
    known = np.array([is_region_code(s.region_code) for s in subjects])
    district = np.array([int(s.region_code) if ok else -2 for s, ok in zip(subjects, known, strict=True)])[
        :, None
    ]
    city = np.where(district >= 0, district // 100, -2)
    province = np.where(district >= 0, district // 10000, -2)
    region = np.where(
        district == p.partner_district[None, :],
        _F(REGION_DISTRICT),
        np.where(
            city == p.partner_city[None, :],
            _F(REGION_CITY),
            np.where(province == p.partner_province[None, :], _F(REGION_PROVINCE), p.remote_value[None, :]),
        ),
    )
    region = np.where(covered, region, _F(0))
    region[~known, :] = REGION_UNKNOWN
    out["region"] = region

    # Budget overlap.
    out["budget"] = _budget_block(p, subjects)

    # Maturity: half level fit, half weakest-dimension fit.
    levels = [subject_level(s.maturity_level) for s in subjects]
    level_known = np.array([level is not None for level in levels])[:, None]
    level_bit = np.array([1 << level if level is not None else 0 for level in levels], dtype=np.int16)[
        :, None
    ]
    adjacent_bits = np.array(
        [((1 << (level - 1)) | (1 << min(level + 1, 15))) if level is not None else 0 for level in levels],
        dtype=np.int16,
    )[:, None]
    offering_levels = p.level_mask[None, :]
    level_fit = np.where(
        (offering_levels & level_bit) != 0,
        _F(LEVEL_FIT),
        np.where((offering_levels & adjacent_bits) != 0, _F(LEVEL_ADJACENT), _F(0)),
    )
    level_fit = np.where(offering_levels == 0, _F(LEVEL_ANY), level_fit)
    level_fit = np.where(level_known, level_fit, _F(LEVEL_ANY))
    weak = np.array(
        [_dimension_mask(s.weakest_dimensions, p.dimension_vocabulary, grow=False) for s in subjects],
        dtype=np.int64,
    )[:, None]
    has_gaps = np.array([bool(s.weakest_dimensions) for s in subjects])[:, None]
    dimension_fit = np.where((weak & p.dimension_mask[None, :]) != 0, _F(DIMENSION_FIT), _F(0))
    dimension_fit = np.where(p.dimension_mask[None, :] == 0, _F(DIMENSION_GENERIC), dimension_fit)
    dimension_fit = np.where(has_gaps, dimension_fit, _F(DIMENSION_UNKNOWN))
    out["maturity"] = _F(0.5) * level_fit + _F(0.5) * dimension_fit

    # Text: BM25, scaled by the subject's best offering so that it lies in [0, 1].
    raw = p.bm25.scores(p.bm25.query_matrix([s.text for s in subjects]))
    best = raw.max(axis=1, keepdims=True) if p.n else np.zeros((b, 1))
    out["text"] = np.divide(raw, best, out=np.zeros_like(raw), where=best > 0).astype(np.float32)

    out["quality"] = np.broadcast_to(p.quality, (b, p.n))
    out["capacity"] = np.broadcast_to(p.capacity, (b, p.n))
    return out


def _budget_block(p: PreparedOfferings, subjects: Sequence[SubjectInput]) -> np.ndarray:
    low = np.array([0.0 if s.budget_min is None else s.budget_min for s in subjects])[:, None]
    high = np.array([np.inf if s.budget_max is None else s.budget_max for s in subjects])[:, None]
    known = np.array([s.budget_min is not None or s.budget_max is not None for s in subjects])[:, None]
    inverse_high = np.where(np.isfinite(high) & (high > 0), 1.0 / np.where(high > 0, high, 1.0), 0.0)
    price_low, price_high = p.price_low[None, :], p.price_high[None, :]
    overlaps = (price_low <= high) & (low <= price_high)
    # Over budget by `gap` (a share of the budget): 0.5 x (1 - 2 x gap) = 1.5 - price / budget.
    over = np.clip(np.float32(1.5) - p.price_low_32[None, :] * inverse_high.astype(np.float32), 0.0, 0.5)
    budget = np.where(
        overlaps, np.float32(BUDGET_FITS), np.where(price_high < low, np.float32(BUDGET_CHEAPER), over)
    )
    return np.where(p.price_known[None, :] & known, budget, np.float32(BUDGET_UNKNOWN)).astype(
        np.float32, copy=False
    )


def _exclusion_mask(prepared: PreparedOfferings, subjects: Sequence[SubjectInput]) -> np.ndarray:
    """True where a pair must not be recommended: the SME's own offering, or one it dismissed."""
    mask = prepared.partner_ids[None, :] == np.array([s.sme_id for s in subjects], dtype=object)[:, None]
    for row, subject in enumerate(subjects):
        for offering_id in subject.excluded_offerings:
            column = prepared.index_of.get(offering_id)
            if column is not None:
                mask[row, column] = True
    return mask


@dataclass
class Candidates:
    """Every kept (subject, offering) pair of a run as parallel arrays; `values` is pairs x features."""

    subject: np.ndarray
    offering: np.ndarray
    score: np.ndarray
    values: np.ndarray

    def match(self, position: int) -> Match:
        return Match(
            subject=int(self.subject[position]),
            offering=int(self.offering[position]),
            score=float(self.score[position]),
            values=dict(zip(FEATURES, map(float, self.values[position]), strict=True)),
        )


def candidate_arrays(
    prepared: PreparedOfferings,
    subjects: Sequence[SubjectInput],
    weights: dict[str, float],
    *,
    per_subject: int,
    block: int = BLOCK,
) -> Candidates:
    """The best `per_subject` offerings of every subject (excluded pairs left out), as arrays."""
    vector = normalise_weights(weights).astype(np.float32)
    parts: list[tuple] = []
    keep = min(per_subject, prepared.n)
    if keep and subjects:
        for start in range(0, len(subjects), block):
            chunk = subjects[start : start + block]
            features = feature_block(prepared, chunk)
            total = np.zeros((len(chunk), prepared.n), dtype=np.float32)
            for weight, name in zip(vector, FEATURES, strict=True):
                if weight:
                    total += weight * features[name]
            total[_exclusion_mask(prepared, chunk)] = -1.0
            if keep < prepared.n:
                top = np.argpartition(-total, keep - 1, axis=1)[:, :keep]
            else:
                top = np.broadcast_to(np.arange(prepared.n), (len(chunk), prepared.n))
            rows = np.broadcast_to(np.arange(len(chunk))[:, None], top.shape)
            scores = total[rows, top]
            values = np.stack([features[name][rows, top] for name in FEATURES], axis=-1)
            valid = scores >= 0
            parts.append((rows[valid] + start, top[valid], scores[valid], values[valid]))
    if not parts:
        return Candidates(
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
            np.zeros(0, np.float32),
            np.zeros((0, len(FEATURES)), np.float32),
        )
    return Candidates(*(np.concatenate([part[i] for part in parts]) for i in range(4)))


def score_candidates(
    prepared: PreparedOfferings,
    subjects: Sequence[SubjectInput],
    weights: dict[str, float],
    *,
    per_subject: int,
    block: int = BLOCK,
) -> list[Match]:
    """The best `per_subject` offerings of every subject, with their feature values."""
    candidates = candidate_arrays(prepared, subjects, weights, per_subject=per_subject, block=block)
    return [candidates.match(position) for position in range(len(candidates.score))]


def assign_arrays(candidates: Candidates, *, top_n: int, slots: Sequence[int]) -> dict[int, list[Match]]:
    """Capacity-aware greedy assignment: best pairs first, at most `top_n` per subject and
    `slots[offering]` per offering in the run. Returns subject -> its matches, best first.

    Greedy in global score order gives each free slot to the highest-scoring pair that wants it
    (a 1/2-approximation of the optimal b-matching, in O(P log P)); see docs/matching.md.
    """
    order = np.lexsort((candidates.offering, candidates.subject, -candidates.score.astype(np.float64)))
    remaining = [int(slot) for slot in slots]
    taken_count: dict[int, int] = {}
    chosen: list[int] = []
    subjects = candidates.subject.tolist()
    offerings = candidates.offering.tolist()
    for position in order.tolist():
        subject, offering = subjects[position], offerings[position]
        if remaining[offering] <= 0 or taken_count.get(subject, 0) >= top_n:
            continue
        taken_count[subject] = taken_count.get(subject, 0) + 1
        remaining[offering] -= 1
        chosen.append(position)
    taken: dict[int, list[Match]] = {}
    for position in chosen:  # already best first
        match = candidates.match(position)
        taken.setdefault(match.subject, []).append(match)
    return taken


def assign(matches: list[Match], *, top_n: int, slots: Sequence[int]) -> dict[int, list[Match]]:
    """`assign_arrays` for a list of matches."""
    candidates = Candidates(
        subject=np.array([m.subject for m in matches], dtype=np.int64),
        offering=np.array([m.offering for m in matches], dtype=np.int64),
        score=np.array([m.score for m in matches], dtype=np.float32),
        values=np.array([[m.values[name] for name in FEATURES] for m in matches], dtype=np.float32).reshape(
            len(matches), len(FEATURES)
        ),
    )
    return assign_arrays(candidates, top_n=top_n, slots=slots)


def match(
    offerings: Sequence[OfferingInput],
    subjects: Sequence[SubjectInput],
    weights: dict[str, float],
    *,
    top_n: int = 10,
    slots: Sequence[int] | None = None,
    prepared: PreparedOfferings | None = None,
) -> dict[int, list[Match]]:
    """Score every pair and assign at most `top_n` offerings per subject within the offerings' slots.

    `slots` defaults to each offering's free capacity.
    """
    prepared = prepared or PreparedOfferings(offerings)
    if slots is None:
        slots = [max(0, o.free_capacity) for o in offerings]
    candidates = candidate_arrays(prepared, subjects, weights, per_subject=top_n * CANDIDATES_PER_SLOT)
    return assign_arrays(candidates, top_n=top_n, slots=slots)
