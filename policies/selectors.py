"""Reads of the policy library: who sees which policies, and search with filters and facets.

Search stays fast on a library of 50,000+ policies where everyday words (数字化, 补贴) match
most rows, because no request ever touches every match:

- the matches are counted and faceted over at most SEARCH_WINDOW rows (one query that reads
  two small columns and stops there); beyond that the count is PostgreSQL's planner estimate,
  the facets are scaled from the window, and the response says they are estimates;
- a query with at most SEARCH_WINDOW matches puts the policies whose title holds every word
  first; with at most RANK_WINDOW matches it then orders by ts_rank (title weighing most),
  which reads each match's whole search vector and so is kept to few rows;
- a broader query is ordered newest first, which PostgreSQL answers by walking the
  `policy_recent` index and stopping at the page, instead of ranking tens of thousands of
  rows for a word that says little about relevance.
"""

from collections import Counter
from dataclasses import dataclass
from functools import reduce
from operator import and_

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, FloatField, Q, QuerySet, Value
from django.utils import timezone

from cluster_platform.models import Cluster
from cluster_platform.reference.regions import region_chain, region_prefix
from cluster_platform.search import parse_query, query_terms
from policies.models import Policy, PolicyImportJob, PolicyStatus

SEARCH_WINDOW = 500
# ts_rank reads each match's whole search vector (kilobytes, out of line): only this many.
RANK_WINDOW = 200
# ts_rank weights for D, C, B, A: the title (A) weighs most, then summary and issuer (B), then the text.
RANK_WEIGHTS = [0.05, 0.2, 0.4, 1.0]


def policy_library_list(*, user) -> QuerySet[Policy]:
    """The platform-wide library: published policies for everyone, every state for operators."""
    policies = Policy.objects.filter(cluster__isnull=True)
    if not (user and user.is_authenticated and user.is_superuser):
        policies = policies.filter(status=PolicyStatus.PUBLISHED)
    return policies


def policy_cluster_visibility(*, cluster: Cluster, include_local_drafts: bool) -> Q:
    """A cluster's view: published library policies whose region covers the cluster's region
    (national, its province, its city, its district), plus the policies its agency authored
    (drafts only for its staff)."""
    covering = ["", *region_chain(cluster.region_code)]
    library = Q(cluster__isnull=True, status=PolicyStatus.PUBLISHED, region_code__in=covering)
    local = Q(cluster=cluster)
    if not include_local_drafts:
        local &= Q(status=PolicyStatus.PUBLISHED)
    return library | local


def policy_import_job_list(*, cluster: Cluster | None) -> QuerySet[PolicyImportJob]:
    jobs = PolicyImportJob.objects.defer("content").select_related("created_by", "cluster")
    jobs = jobs.filter(cluster=cluster) if cluster is not None else jobs.filter(cluster__isnull=True)
    return jobs.order_by("-created_at", "id")


def region_applicable_q(region_code: str) -> Q:
    """Policies applicable somewhere within a region: national ones, the region's ancestors',
    the region's own, and those of the regions inside it."""
    covering = ["", *region_chain(region_code)]
    prefix = region_prefix(region_code)
    if len(prefix) == len(region_code):
        return Q(region_code__in=covering)
    # A range rather than LIKE 'prefix%', so that the plain btree index on region_code serves it.
    upper = f"{int(prefix) + 1:0{len(prefix)}d}"
    return Q(region_code__in=covering) | Q(region_code__gte=prefix, region_code__lt=upper)


def open_now_q() -> Q:
    """Policies whose application window is open today."""
    today = timezone.localdate()
    return Q(application_closes__gte=today) & (
        Q(application_opens__lte=today) | Q(application_opens__isnull=True)
    )


class TsQueryLiteral(SearchQuery):
    """A tsquery built in Python (segmented by jieba), cast as is rather than re-parsed by PostgreSQL."""

    def __init__(self, literal: str):
        super().__init__(literal)
        self.literal = literal

    def as_sql(self, compiler, connection, *args, **kwargs):
        return "%s::tsquery", [self.literal]


@dataclass
class PolicySearchResult:
    """An ordered queryset to page through, with its count and facets (exact or estimated)."""

    policies: QuerySet[Policy]
    count: int
    count_exact: bool
    facets: dict
    ranked: bool


def _estimated_count(sql: str, params) -> int:
    """PostgreSQL's own row estimate for the matches: instant, and close for common words."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


@dataclass
class _Window:
    """The first SEARCH_WINDOW + 1 matches, in no particular order, as counts: how many there
    are (up to SEARCH_WINDOW + 1), and each level's and category's count among the first
    SEARCH_WINDOW of them, in the order the values first appear."""

    size: int
    levels: Counter
    categories: Counter


def _window(sql: str, params) -> _Window:
    """Counts over the window, in one query that hands back a few dozen rows.

    Without ORDER BY, PostgreSQL stops as soon as it has the window's rows: for a common word, a
    scan that ends after a few hundred rows; for a rare one, the rows the text index points at.
    The counting happens in the database because reading the window's rows into Python (an
    array per row) and counting them there was a tenth of a search request's CPU (bench/api).
    The first-appearance order keeps the ties in the order counting row by row gives them.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH matched AS (
                SELECT level, categories, row_number() OVER () AS position
                FROM ({sql} LIMIT {SEARCH_WINDOW + 1}) AS matches
            )
            SELECT 'size', NULL, count(*), 0 FROM matched
            UNION ALL
            SELECT 'level', level, count(*), min(position)
            FROM matched WHERE position <= {SEARCH_WINDOW} GROUP BY level
            UNION ALL
            SELECT 'category', code, count(*), min(position * 1000 + ordinality)
            FROM matched, unnest(categories) WITH ORDINALITY AS listed(code, ordinality)
            WHERE position <= {SEARCH_WINDOW} GROUP BY code
            """,
            params,
        )
        rows = cursor.fetchall()
    size = next(count for kind, _key, count, _first in rows if kind == "size")
    ordered = sorted((first, kind, key, count) for kind, key, count, first in rows if kind != "size")
    levels = Counter({key: count for _first, kind, key, count in ordered if kind == "level"})
    categories = Counter({key: count for _first, kind, key, count in ordered if kind == "category"})
    return _Window(size=size, levels=levels, categories=categories)


def policy_search(*, policies: QuerySet[Policy], q: str = "") -> PolicySearchResult:
    """Search the (already filtered) policies for `q`; without `q`, list them newest first."""
    q = q.strip()
    tsquery = parse_query(q) if q else None
    if q and tsquery is None:
        # Only punctuation or stopwords: nothing can match.
        return PolicySearchResult(
            policies.none().order_by("id"), 0, True, {"level": {}, "category": {}}, False
        )
    if tsquery is not None:
        query = TsQueryLiteral(tsquery)
        policies = policies.filter(search_vector=query)
    # One compiled statement for the window and, past it, the estimate (the planner's row count
    # does not depend on the columns selected).
    sql, params = policies.order_by().values_list("level", "categories").query.sql_with_params()
    window = _window(sql, params)
    exact = window.size <= SEARCH_WINDOW
    count = window.size if exact else max(_estimated_count(sql, params), SEARCH_WINDOW + 1)
    levels, categories = window.levels, window.categories
    if not exact:
        scale = count / SEARCH_WINDOW
        levels = Counter({key: round(value * scale) for key, value in levels.items()})
        categories = Counter({key: round(value * scale) for key, value in categories.items()})
    facets = {"level": dict(levels.most_common()), "category": dict(categories.most_common())}
    recent = (F("published_on").desc(nulls_last=True), "id")
    if tsquery is not None and exact:
        # Title matches first whatever the frequencies (ts_rank alone lets a long text that
        # repeats a word outrank the policy named after it). Read from the short title column,
        # so that it costs nothing like the large search vectors.
        in_title = reduce(and_, [Q(title__icontains=term) for term in query_terms(q)])
        policies = policies.annotate(in_title=ExpressionWrapper(in_title, output_field=BooleanField()))
        if count <= RANK_WINDOW:
            rank = SearchRank(F("search_vector"), query, weights=RANK_WEIGHTS)
            ordered = policies.annotate(rank=rank).order_by(F("in_title").desc(), "-rank", *recent)
        else:
            ordered = policies.annotate(rank=Value(None, output_field=FloatField())).order_by(
                F("in_title").desc(), *recent
            )
        return PolicySearchResult(ordered, count, exact, facets, count <= RANK_WINDOW)
    return PolicySearchResult(
        policies.annotate(rank=Value(None, output_field=FloatField())).order_by(*recent),
        count,
        exact,
        facets,
        False,
    )
