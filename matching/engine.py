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

FEATURES = (
    "category",
    "industry",
    "size",
    "region",
    "budget",
    "maturity",
    "text",
    "quality",
    "capacity",
    "uplift",
)
# What a service is about (text) leads; the category an SME ticked or a partner filed under is
# a hint, not a verdict (both are often not the ones a reader would pick). Tuned on the tuning
# half of the judged set (bench/matching/eval/), see docs/matching.md.
DEFAULT_WEIGHTS = {
    "category": 0.12,
    "industry": 0.10,
    "size": 0.03,
    "region": 0.08,
    "budget": 0.07,
    "maturity": 0.05,
    "text": 0.40,
    "quality": 0.10,
    "capacity": 0.05,
    # Measured client uplift: a small say, as few partners have enough clients measured.
    "uplift": 0.05,
}
# Features of the offering alone: when they are equal for every offering of a run (a new cluster:
# nobody rated, nobody engaged yet, no partner with a measured client uplift) they cannot tell
# offerings apart, and their weight goes to the features that can.
OFFERING_PRIORS = ("quality", "capacity", "uplift")

# --- feature constants (see docs/matching.md) ---------------------------------------------
# A sibling (same parent) earns little: a broad parent such as 云服务与SaaS holds OA next to MES.
CATEGORY_EXACT, CATEGORY_CHILD, CATEGORY_SIBLING, CATEGORY_UNKNOWN = 1.0, 0.8, 0.2, 0.5
# GB/T 4754 levels by code length: class (5), group (4), division (3), section (1).
INDUSTRY_LEVELS = ((5, 1.0, "class"), (4, 0.8, "group"), (3, 0.6, "division"), (1, 0.3, "section"))
INDUSTRY_ANY, INDUSTRY_UNKNOWN = 0.5, 0.5
SIZE_MATCH, SIZE_ANY, SIZE_UNKNOWN = 1.0, 0.6, 0.5
SIZE_CLASSES = ("micro", "small", "medium", "large")
REGION_DISTRICT, REGION_CITY, REGION_PROVINCE = 1.0, 0.8, 0.6
REGION_REMOTE_ONLINE, REGION_REMOTE_OFFLINE, REGION_UNKNOWN = 0.4, 0.1, 0.5
# Cheaper than the budget is hardly a drawback; a free offering fits every budget.
BUDGET_FITS, BUDGET_CHEAPER, BUDGET_UNKNOWN, BUDGET_FREE = 1.0, 0.9, 0.5, 1.0
LEVEL_FIT, LEVEL_ADJACENT, LEVEL_ANY = 1.0, 0.3, 0.5
DIMENSION_FIT, DIMENSION_GENERIC, DIMENSION_UNKNOWN = 1.0, 0.3, 0.5
BM25_K1, BM25_B = 1.2, 0.75
# The text feature: BM25 over words and domain concepts (0.7), and over character bigrams (0.3)
# (which still meet when the two sides segment a jargon word differently).
TEXT_WORD_SHARE = 0.7
RATING_UNRATED = 0.6  # an unrated partner counts as a 3-star one
COMPLETED_SCALE = 5.0  # completed engagements in the cluster: 1 - exp(-n / scale)
QUALITY_RATING_SHARE = 0.7
# Client uplift (services/reputation.py): the mean maturity levels the partner's clients gained,
# from its third attributable client on. +1 level on average gives 1, none 0.5, -1 level 0; a
# partner not yet measured is neither credited nor penalised (0.5).
UPLIFT_FULL_LEVELS, UPLIFT_UNKNOWN = 1.0, 0.5
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
    text: tuple[str, ...] = ()  # words and concepts, fields repeated by weight (matching/profile.py)
    bigrams: tuple[str, ...] = ()  # character bigrams, likewise
    free: bool = False  # price model "free"
    rating_bayes: float = 0.0
    rating_count: int = 0
    completed_engagements: int = 0  # the partner's, in this cluster
    capacity: int = 1
    free_capacity: int = 1
    # The partner's measured client uplift in this cluster (services.reputation), None below
    # its minimum sample: mean levels gained, and on how many clients.
    uplift_levels: float | None = None
    uplift_clients: int = 0


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
    bigrams: tuple[str, ...] = ()
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
        """Raw BM25 of each query row against every document (dense float32, queries x documents).

        The result is nearly dense (most documents share some term with a query), so a sparse
        product spends its time building a sparse result only to expand it. Here each (query,
        term) pair takes its term's postings, and `np.add.at` adds each query's into its dense row:
        the same float32 additions in the same order as the sparse product (query terms in
        order), so the values are identical, bit for bit, at about half the cost.
        """
        queries, documents = query_matrix.shape[0], self.weights_t.shape[1]
        postings = self.weights_t[query_matrix.indices]  # one row per (query, term): its documents
        terms = np.repeat(query_matrix.data, np.diff(postings.indptr))
        terms *= postings.data
        bounds = postings.indptr[query_matrix.indptr].tolist()  # each query's postings
        raw = np.zeros((queries, documents), dtype=np.float32)
        for query in range(queries):
            start, end = bounds[query], bounds[query + 1]
            np.add.at(raw[query], postings.indices[start:end], terms[start:end])
        return raw


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
        self.bigram_bm25 = BM25Index([o.bigrams for o in offerings])
        self.free = np.array([o.free for o in offerings], dtype=bool)
        self.quality = np.array([quality_value(o) for o in offerings], dtype=np.float32)
        self.capacity = np.array([capacity_value(o) for o in offerings], dtype=np.float32)
        self.uplift = np.array([uplift_value(o) for o in offerings], dtype=np.float32)
        # Partners as small integers: "is this the SME's own offering" is then an integer comparison.
        self.partner_codes = _Vocabulary()
        self.partner_code = np.array(
            [self.partner_codes.index(o.partner_id) for o in offerings], dtype=np.int32
        )
        self.offering_ids = [o.id for o in offerings]
        self.industry_any_f = np.where(self.industry_any, INDUSTRY_ANY, 0.0).astype(np.float32)
        self.size_any = self.size_mask == 0
        self.price_unknown_any = bool((~self.price_known).any())
        self.free_any = bool(self.free.any())
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


def uplift_value(offering: OfferingInput) -> float:
    if offering.uplift_levels is None:
        return UPLIFT_UNKNOWN
    gained = min(1.0, max(-1.0, offering.uplift_levels / UPLIFT_FULL_LEVELS))
    return UPLIFT_UNKNOWN + (1 - UPLIFT_UNKNOWN) * gained


# --- scoring ------------------------------------------------------------------------------


def subject_level(level: int | None) -> int | None:
    # Not yet level 1 (level 0) is served by what serves level 1.
    return None if level is None else max(1, int(level))


@dataclass
class _Profiled:
    """A feature that depends on only a few facts of the subject (its region, industry, size
    class, categories, maturity): one row of values per distinct set of those facts in the
    block, and each subject's row. The subjects of one cluster share a handful of districts
    and industries, so a block's 384 subjects have a few dozen rows, computed once each and
    gathered; a feature of the offering alone is one row for every subject."""

    table: np.ndarray  # distinct profiles x offerings, float32
    rows: np.ndarray  # subject -> its row of `table`

    def dense(self) -> np.ndarray:
        if len(self.table) == 1:
            return np.broadcast_to(self.table[0], (len(self.rows), self.table.shape[1]))
        return self.table[self.rows]

    def at(self, subjects: np.ndarray, offerings: np.ndarray) -> np.ndarray:
        return self.table[self.rows[subjects], offerings]

    def zero(self) -> np.ndarray:
        """True where the value is 0 (for the declared exclusions)."""
        return (self.table == 0)[self.rows]


def _profiles(subjects: Sequence[SubjectInput], key) -> tuple[list, np.ndarray]:
    """The distinct keys of the subjects (first-seen order) and each subject's position among them."""
    positions: dict = {}
    rows = np.fromiter(
        (positions.setdefault(key(s), len(positions)) for s in subjects), dtype=np.intp, count=len(subjects)
    )
    return list(positions), rows


def _category_table(p: PreparedOfferings, keys: list[tuple]) -> np.ndarray:
    """Category for each (categories, parents): exact 1, a sub-category of a requested one 0.8,
    same parent 0.2, nothing requested 0.5."""
    width = p.category_exact.shape[1]
    exact = _pad(_incidence([categories for categories, _parents in keys], p.categories, grow=False), width)
    family = _pad(
        _incidence([categories + parents for categories, parents in keys], p.categories, grow=False), width
    )
    category = np.maximum(
        (exact @ p.category_exact.T).toarray() * CATEGORY_EXACT,
        np.maximum(
            ((exact @ p.category_parent.T).toarray() > 0) * CATEGORY_CHILD,
            ((family @ p.category_family_t).toarray() > 0) * CATEGORY_SIBLING,
        ),
    )
    category[[not categories for categories, _parents in keys], :] = CATEGORY_UNKNOWN
    return category.astype(np.float32)


def _industry_table(p: PreparedOfferings, codes: list[str]) -> np.ndarray:
    """The most specific GB/T 4754 level at which a targeted code contains the SME's."""
    industry = np.broadcast_to(p.industry_any_f, (len(codes), p.n)).copy()
    width = max(1, len(p.industries))
    for length, weight, _name in INDUSTRY_LEVELS:
        truncated = _incidence(
            [[code[:length]] if len(code) >= length else [] for code in codes], p.industries, grow=False
        )
        hits = (_pad(truncated, width) @ p.industry_by_level[length].T).toarray() > 0
        industry = np.where(hits, np.maximum(industry, weight), industry)
    industry[[not code for code in codes], :] = INDUSTRY_UNKNOWN
    return industry.astype(np.float32)


def _size_table(p: PreparedOfferings, masks: list[int]) -> np.ndarray:
    subject_size = np.array(masks, dtype=np.int16)[:, None]
    size = np.where((subject_size & p.size_mask[None, :]) != 0, _F(SIZE_MATCH), _F(0))
    size = np.where(p.size_any[None, :], _F(SIZE_ANY), size)
    return np.where(subject_size == 0, _F(SIZE_UNKNOWN), size)


def _region_table(p: PreparedOfferings, codes: list[str]) -> np.ndarray:
    """Outside the regions served 0; else proximity to the partner."""
    chains = _incidence([region_covering_codes(code) for code in codes], p.regions, grow=False)
    covered = (_pad(chains, p.served.shape[1]) @ p.served.T).toarray() > 0
    covered |= p.nationwide[None, :]
    known = np.array([is_region_code(code) for code in codes])
    district = np.array([int(code) if ok else -2 for code, ok in zip(codes, known, strict=True)])[:, None]
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
    return region


def _maturity_key(p: PreparedOfferings, subject: SubjectInput) -> tuple:
    # A demand says what it needs; the SME's weakest dimensions only steer proactive recommendations
    # (for a demand they would favour every offering whose blurb names a dimension's keyword).
    has_gaps = bool(subject.weakest_dimensions) and is_proactive(subject)
    weak = _dimension_mask(subject.weakest_dimensions, p.dimension_vocabulary, grow=False) if has_gaps else 0
    return subject_level(subject.maturity_level), has_gaps, weak


def _maturity_table(p: PreparedOfferings, keys: list[tuple]) -> np.ndarray:
    """Half level fit, half weakest-dimension fit, for each (level, has gaps, weakest dimensions)."""
    levels = [level for level, _gaps, _weak in keys]
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
    weak = np.array([weak for _level, _gaps, weak in keys], dtype=np.int64)[:, None]
    has_gaps = np.array([gaps for _level, gaps, _weak in keys])[:, None]
    dimension_fit = np.where((weak & p.dimension_mask[None, :]) != 0, _F(DIMENSION_FIT), _F(0))
    dimension_fit = np.where(p.dimension_mask[None, :] == 0, _F(DIMENSION_GENERIC), dimension_fit)
    dimension_fit = np.where(has_gaps, dimension_fit, _F(DIMENSION_UNKNOWN))
    return _F(0.5) * level_fit + _F(0.5) * dimension_fit


def _profiled(p: PreparedOfferings, subjects: Sequence[SubjectInput], key, table) -> _Profiled:
    keys, rows = _profiles(subjects, key)
    return _Profiled(table(p, keys), rows)


def _offering_only(vector: np.ndarray, subjects: int) -> _Profiled:
    return _Profiled(vector[None, :], np.zeros(subjects, dtype=np.intp))


def _block_features(p: PreparedOfferings, subjects: Sequence[SubjectInput]) -> dict:
    """Every feature of a block: a `_Profiled` (rows by distinct subject facts) or a dense array."""
    b = len(subjects)
    return {
        "category": _profiled(p, subjects, lambda s: (s.categories, s.category_parents), _category_table),
        "industry": _profiled(p, subjects, lambda s: s.industry_code, _industry_table),
        "size": _profiled(p, subjects, lambda s: _size_mask([s.size_class]), _size_table),
        "region": _profiled(p, subjects, lambda s: s.region_code, _region_table),
        "budget": _budget_block(p, subjects),
        "maturity": _profiled(p, subjects, lambda s: _maturity_key(p, s), _maturity_table),
        "text": _text_block(p, subjects),
        "quality": _offering_only(p.quality, b),
        "capacity": _offering_only(p.capacity, b),
        "uplift": _offering_only(p.uplift, b),
    }


def feature_block(prepared: PreparedOfferings, subjects: Sequence[SubjectInput]) -> dict[str, np.ndarray]:
    """Every feature for every (subject, offering) pair of a block: name -> float32 (block x offerings)."""
    return {
        name: value.dense() if isinstance(value, _Profiled) else value
        for name, value in _block_features(prepared, subjects).items()
    }


def _text_block(p: PreparedOfferings, subjects: Sequence[SubjectInput]) -> np.ndarray:
    """BM25 of words and concepts, and of character bigrams, each scaled by the subject's best offering."""
    words = _relative_bm25(p.bm25, [s.text for s in subjects])
    bigrams = _relative_bm25(p.bigram_bm25, [s.bigrams for s in subjects])
    words *= TEXT_WORD_SHARE
    bigrams *= 1 - TEXT_WORD_SHARE
    words += bigrams
    return words


def _relative_bm25(index: BM25Index, queries: Sequence[Sequence[str]]) -> np.ndarray:
    """BM25 of each query against every document, divided by the query's best document (0..1)."""
    raw = index.scores(index.query_matrix(queries))
    best = raw.max(axis=1, keepdims=True) if raw.shape[1] else np.zeros((len(queries), 1))
    return np.divide(raw, best, out=np.zeros_like(raw), where=best > 0)


def budget_relation(subject: SubjectInput, offering: OfferingInput) -> tuple[str, float]:
    """How the offering's price stands to the demand's budget: ("free" | "unknown" | "fits" |
    "cheaper" | "over", the share of the budget it is over by). The one definition the
    explanations and the reference scorer read; the engine computes the same vectorised."""
    if offering.free:
        return "free", 0.0
    if (subject.budget_min is None and subject.budget_max is None) or (
        offering.price_min is None and offering.price_max is None
    ):
        return "unknown", 0.0
    low = subject.budget_min if subject.budget_min is not None else 0.0
    high = subject.budget_max if subject.budget_max is not None else math.inf
    price_low = offering.price_min if offering.price_min is not None else 0.0
    price_high = offering.price_max if offering.price_max is not None else math.inf
    if max(low, price_low) <= min(high, price_high):
        return "fits", 0.0
    if price_high < low:
        return "cheaper", 0.0
    return "over", (price_low - high) / high if math.isfinite(high) and high > 0 else 0.0


def _budget_block(p: PreparedOfferings, subjects: Sequence[SubjectInput]) -> np.ndarray:
    low = np.array([0.0 if s.budget_min is None else s.budget_min for s in subjects])[:, None]
    high = np.array([np.inf if s.budget_max is None else s.budget_max for s in subjects])[:, None]
    known = np.array([s.budget_min is not None or s.budget_max is not None for s in subjects])
    # Over budget by `gap` (a share of the budget): 0.5 x (1 - 2 x gap) = 1.5 - price / budget.
    # Then, in increasing precedence and in place: cheaper, fits, unknown, free. A budget next to
    # nothing overflows to 0 (infinitely over), or to NaN for a price of 0, which fits it anyway.
    with np.errstate(over="ignore", invalid="ignore"):
        inverse_high = np.where(np.isfinite(high) & (high > 0), 1.0 / np.where(high > 0, high, 1.0), 0.0)
        budget = p.price_low_32[None, :] * inverse_high.astype(np.float32)
    np.subtract(np.float32(1.5), budget, out=budget)
    np.clip(budget, 0.0, 0.5, out=budget)
    np.copyto(budget, np.float32(BUDGET_CHEAPER), where=p.price_high[None, :] < low)
    fits = p.price_low[None, :] <= high
    fits &= low <= p.price_high[None, :]
    np.copyto(budget, np.float32(BUDGET_FITS), where=fits)
    budget[~known, :] = BUDGET_UNKNOWN
    if p.price_unknown_any:
        budget[:, ~p.price_known] = BUDGET_UNKNOWN
    if p.free_any:
        budget[:, p.free] = BUDGET_FREE
    return budget


def declared_exclusions(features: dict[str, np.ndarray]) -> np.ndarray:
    """True where the offering's own declarations leave the SME out: a region it does not serve,
    target industries that do not contain the SME's, size classes without the SME's. A partner
    who wrote "佛山 only" or "textile mills only" means it, so such a pair is never recommended,
    however well the words match. These are exactly the pairs whose region, industry or size value
    is 0 (an unknown SME fact gives 0.5, and so excludes nothing)."""
    return (features["region"] == 0) | (features["industry"] == 0) | (features["size"] == 0)


def _exclusion_mask(prepared: PreparedOfferings, subjects: Sequence[SubjectInput]) -> np.ndarray:
    """True where a pair must not be recommended: the SME's own offering, or one it dismissed."""
    own = np.array([prepared.partner_codes.get(s.sme_id, -1) for s in subjects], dtype=np.int32)
    mask = prepared.partner_code[None, :] == own[:, None]
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


def _weighted_total(features: dict, vector: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """sum(weight x feature) in FEATURES order, in float32: the same additions in the same order
    as summing the dense feature arrays, without materialising the profiled ones (a profiled
    feature's weighted row is computed once and gathered)."""
    total = np.zeros(shape, dtype=np.float32)
    scratch = None
    for weight, name in zip(vector, FEATURES, strict=True):
        if not weight:
            continue
        value = features[name]
        if isinstance(value, _Profiled):
            weighted = weight * value.table
            total += weighted if len(weighted) == 1 else weighted[value.rows]
        else:
            if scratch is None:
                scratch = np.empty(shape, dtype=np.float32)
            np.multiply(value, weight, out=scratch)
            total += scratch
    return total


def candidate_arrays(
    prepared: PreparedOfferings,
    subjects: Sequence[SubjectInput],
    weights: dict[str, float],
    *,
    per_subject: int,
    block: int = BLOCK,
) -> Candidates:
    """The best `per_subject` offerings of every subject (excluded pairs left out), as arrays."""
    vector = normalise_weights(run_weights(prepared, weights)).astype(np.float32)
    parts: list[tuple] = []
    keep = min(per_subject, prepared.n)
    if keep and subjects:
        for start in range(0, len(subjects), block):
            chunk = subjects[start : start + block]
            features = _block_features(prepared, chunk)
            total = _weighted_total(features, vector, (len(chunk), prepared.n))
            excluded = _exclusion_mask(prepared, chunk)
            for name in ("region", "industry", "size"):  # declared_exclusions, row by profile
                excluded |= features[name].zero()
            total[excluded] = -1.0
            if keep < prepared.n:
                top = np.argpartition(-total, keep - 1, axis=1)[:, :keep]
            else:
                top = np.broadcast_to(np.arange(prepared.n), (len(chunk), prepared.n))
            rows = np.broadcast_to(np.arange(len(chunk))[:, None], top.shape)
            scores = total[rows, top]
            values = np.stack(
                [
                    value.at(rows, top) if isinstance(value, _Profiled) else value[rows, top]
                    for value in (features[name] for name in FEATURES)
                ],
                axis=-1,
            )
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


def assigned_positions(
    candidates: Candidates, *, top_n: int, slots: Sequence[int], proactive: Sequence[bool] | None = None
) -> np.ndarray:
    """Capacity-aware greedy assignment: demands first, then proactive subjects (`proactive[subject]`),
    each in descending score order; at most `top_n` per subject and `slots[offering]` per offering
    in the run. Returns the positions (into `candidates`) taken, grouped by subject in subject
    order, each subject's best first.

    A need an SME posted outranks one the engine guessed: a proactive recommendation only takes
    the capacity the demands leave. Within each group, greedy in score order gives each free slot
    to the highest-scoring pair that wants it (a 1/2-approximation of the optimal b-matching, in
    O(P log P)); see docs/matching.md.
    """
    if proactive is None:
        group = np.zeros(len(candidates.subject), dtype=np.int8)
    else:
        group = (
            np.asarray(proactive, dtype=np.int8)[candidates.subject]
            if len(candidates.subject)
            else np.zeros(0)
        )
    order = np.lexsort((candidates.offering, candidates.subject, -candidates.score.astype(np.float64), group))
    remaining = [int(slot) for slot in slots]
    taken_count = [0] * (int(candidates.subject.max()) + 1 if len(candidates.subject) else 0)
    chosen = []
    for position, subject, offering in zip(
        order.tolist(),
        candidates.subject[order].tolist(),
        candidates.offering[order].tolist(),
        strict=True,
    ):
        if remaining[offering] > 0 and taken_count[subject] < top_n:
            taken_count[subject] += 1
            remaining[offering] -= 1
            chosen.append(position)
    chosen = np.array(chosen, dtype=np.int64)
    # Grouped by subject; a stable sort keeps each subject's pairs in the order they were taken.
    return chosen[np.argsort(candidates.subject[chosen], kind="stable")]


def assign_arrays(
    candidates: Candidates, *, top_n: int, slots: Sequence[int], proactive: Sequence[bool] | None = None
) -> dict[int, list[Match]]:
    """`assigned_positions` as subject -> its matches, best first."""
    return _by_subject(
        candidates, assigned_positions(candidates, top_n=top_n, slots=slots, proactive=proactive)
    )


def _by_subject(candidates: Candidates, positions: np.ndarray) -> dict[int, list[Match]]:
    taken: dict[int, list[Match]] = {}
    for position in positions.tolist():
        found = candidates.match(position)
        taken.setdefault(found.subject, []).append(found)
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


def match_arrays(
    offerings: Sequence[OfferingInput],
    subjects: Sequence[SubjectInput],
    weights: dict[str, float],
    *,
    top_n: int = 10,
    slots: Sequence[int] | None = None,
    prepared: PreparedOfferings | None = None,
) -> tuple[Candidates, np.ndarray]:
    """`match` as arrays: the candidates and the positions assigned (`assigned_positions`)."""
    prepared = prepared or PreparedOfferings(offerings)
    if slots is None:
        slots = [max(0, o.free_capacity) for o in offerings]
    candidates = candidate_arrays(prepared, subjects, weights, per_subject=top_n * CANDIDATES_PER_SLOT)
    positions = assigned_positions(
        candidates, top_n=top_n, slots=slots, proactive=[is_proactive(s) for s in subjects]
    )
    return candidates, positions


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
    return _by_subject(
        *match_arrays(offerings, subjects, weights, top_n=top_n, slots=slots, prepared=prepared)
    )


def is_proactive(subject: SubjectInput) -> bool:
    """A recommendation from the SME's profile ("sme:<id>") rather than for a demand it posted."""
    return subject.key.startswith("sme:")


def run_weights(prepared: PreparedOfferings, weights: dict[str, float]) -> dict[str, float]:
    """The weights a run scores with: the agency's, less those of offering priors (OFFERING_PRIORS)
    that are equal for every offering of the run. The explanations use the same, so a stored
    contribution is always weight x value of the score it explains."""
    effective = dict(weights)
    vectors = {"quality": prepared.quality, "capacity": prepared.capacity, "uplift": prepared.uplift}
    for name in OFFERING_PRIORS:
        vector = vectors[name]
        if prepared.n and float(vector.max() - vector.min()) <= 1e-6:
            effective[name] = 0.0
    if sum(max(0.0, float(effective.get(name, 0.0))) for name in FEATURES) <= 0:
        return dict(weights)  # nothing else to score with: keep the agency's choice
    return effective
