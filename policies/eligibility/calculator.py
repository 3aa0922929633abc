"""The policy calculator: which policies one enterprise (or an ad-hoc profile) qualifies for.

Speed (one enterprise against a 50,000-policy library in well under 200 ms):
- SQL narrows the library to the candidates that can apply: published, in validity, national
  or scoped to the enterprise's province / city / district, plus the local policies of the
  clusters it is an approved member of. Only small columns are read (no rule JSON).
- Rules are compiled once per process (`policies.rules.ruleset.RuleSet`: interned conditions, one
  generated function per rule) and cached by policy id and `updated_at`; only policies
  edited since are fetched and compiled again. Each distinct condition is evaluated once
  per profile, then one pass over the candidates yields eligible / near miss / needs facts.
- Explanations and the policy details are produced only for the results returned.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from cluster_platform.models import Cluster
from enterprises.models import Enterprise, Membership, MembershipStatus
from policies.models import Policy, PolicyStatus
from policies.rules.catalogue import required_facts
from policies.rules.explanation import explain
from policies.rules.profile import facts_from_profile
from policies.rules.ruleset import RuleSet

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_CACHE_MAX = 250_000


@dataclass(frozen=True)
class _CompiledRule:
    version: str
    rule: dict
    evaluate: object
    required: frozenset
    # Ranking: the largest benefit first, then the soonest closing date, then the id.
    rank: tuple


@dataclass(frozen=True)
class _CacheState:
    entries: dict
    rules: RuleSet


class RuleCache:
    """Compiled rules by policy id (text), valid while the policy's `updated_at` is unchanged.

    Readers take the current state without locking; writers replace the entries dict (copy on
    write), so a concurrent request never sees a half-updated mapping.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.state = _CacheState(entries={}, rules=RuleSet())

    @property
    def entries(self) -> dict:
        return self.state.entries

    def get(self, policy_id: str, version: str) -> _CompiledRule | None:
        entry = self.state.entries.get(policy_id)
        return entry if entry is not None and entry.version == version else None

    def load(self, rows) -> None:
        """rows: (id, updated_at, eligibility_rule, max_amount, application_closes), id and
        updated_at as text."""
        with self._lock:
            state = self.state
            if len(state.entries) > _CACHE_MAX:
                state = _CacheState(entries={}, rules=RuleSet())
            entries = dict(state.entries)
            for policy_id, version, rule, amount, closes in rows:
                rule = rule or {}
                rank = (-float(amount or 0), (closes or date.max).toordinal(), policy_id)
                try:
                    evaluate, required = state.rules.compile(rule), required_facts(rule)
                except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError):
                    # Written around validation (a raw SQL edit, an old import): never a match,
                    # rather than an error for every enterprise that has it as a candidate.
                    logger.warning("policy %s has a malformed eligibility rule; skipped", policy_id)
                    evaluate, required, rule = _never_eligible, frozenset(), {}
                entries[policy_id] = _CompiledRule(version, rule, evaluate, required, rank)
            self.state = _CacheState(entries=entries, rules=state.rules)

    def clear(self) -> None:
        with self._lock:
            self.state = _CacheState(entries={}, rules=RuleSet())


def _never_eligible(outcomes):
    return (2, 0)  # definitely false, and no single condition away


rule_cache = RuleCache()


def live_policies(*, today: date) -> QuerySet[Policy]:
    """Published policies within their validity period."""
    return Policy.objects.filter(status=PolicyStatus.PUBLISHED).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=today),
        Q(valid_until__isnull=True) | Q(valid_until__gte=today),
    )


def region_scope_codes(region_code: str | None) -> list[str]:
    """The policy region scopes that cover an enterprise in `region_code`: national (blank),
    its province, its city and its district."""
    if not region_code:
        return [""]
    return sorted({"", f"{region_code[:2]}0000", f"{region_code[:4]}00", region_code})


def candidate_policies(*, today: date, region_code: str | None, cluster_ids) -> QuerySet[Policy]:
    scope = Q(cluster__isnull=True, region_code__in=region_scope_codes(region_code))
    if cluster_ids:
        scope |= Q(cluster_id__in=list(cluster_ids))
    return live_policies(today=today).filter(scope)


def enterprise_facts(
    *, enterprise: Enterprise, today: date, cluster: Cluster | None = None
) -> tuple[dict, list]:
    """The enterprise's facts, and the ids of the clusters whose local policies apply to it.

    With `cluster` (an agency's view), only that cluster's membership is visible and only its
    local policies count: the agency learns nothing of the enterprise's other clusters.
    """
    memberships = list(
        Membership.objects.filter(enterprise=enterprise, status=MembershipStatus.APPROVED).values_list(
            "cluster_id", "cluster__slug", "role"
        )
    )
    if cluster is not None:
        memberships = [row for row in memberships if row[0] == cluster.id]
    facts = facts_from_profile(
        today=today,
        region_code=enterprise.region_code,
        industry_code=enterprise.industry_code,
        size_class=enterprise.size_class,
        qualifications=enterprise.qualifications or [],
        employees=enterprise.employees,
        operating_revenue=enterprise.operating_revenue,
        rd_spend=enterprise.rd_spend,
        founded_on=enterprise.founded_on,
        digital_maturity_level=enterprise.digital_maturity_level,
        memberships=[(slug, role) for _id, slug, role in memberships],
        visible_clusters=[cluster.slug] if cluster is not None else None,
    )
    cluster_ids = {cluster_id for cluster_id, _slug, _role in memberships}
    if cluster is not None:
        cluster_ids = {cluster.id}
    return facts, sorted(cluster_ids)


@dataclass
class Classified:
    """Policy ids (as text) by outcome, each ranked by benefit amount (largest first), then by
    the closing date (soonest first)."""

    evaluated: int
    eligible: list[str]
    near_misses: list[str]
    needs_facts: list[str]
    missing_fact_counts: Counter


def _candidate_rows(candidates: QuerySet[Policy]) -> list[tuple[str, str]]:
    """(id, updated_at) as text: what the cache keys on, and a fraction of the cost of loading
    UUIDs and timestamps for every row. Ranking happens on the few results, in Python."""
    queryset = candidates.order_by().values_list(
        Cast("id", output_field=CharField()), Cast("updated_at", output_field=CharField())
    )
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def classify(*, candidates: QuerySet[Policy], facts: dict) -> Classified:
    """One pass over the candidates with the compiled rules (a second for rules not yet cached)."""
    rows = _candidate_rows(candidates)
    state = rule_cache.state
    outcomes = state.rules.outcomes(facts)
    absent = {name for name, value in facts.items() if value is None}
    eligible, near, needs = [], [], []
    missing_counts: Counter = Counter()
    stale = []

    def evaluate(pending, entries):
        for policy_id, version in pending:
            entry = entries.get(policy_id)
            if entry is None or entry.version != version:
                stale.append((policy_id, version))
                continue
            cost_true, cost_false = entry.evaluate(outcomes)
            if cost_true == 0:
                eligible.append(entry.rank)
            elif cost_false == 0:
                if cost_true == 1:
                    near.append(entry.rank)
            else:
                needs.append(entry.rank)
                missing_counts.update(entry.required & absent)

    evaluate(rows, state.entries)
    if stale:
        rule_cache.load(
            Policy.objects.filter(id__in=[policy_id for policy_id, _version in stale]).values_list(
                Cast("id", output_field=CharField()),
                Cast("updated_at", output_field=CharField()),
                "eligibility_rule",
                "max_amount",
                "application_closes",
            )
        )
        state = rule_cache.state
        outcomes = state.rules.outcomes(facts)  # new rules may have brought new conditions
        pending, stale = stale, []
        evaluate(pending, state.entries)  # what is still stale was edited meanwhile: next time

    def ranked(ranks):
        ranks.sort()
        return [rank[-1] for rank in ranks]

    return Classified(
        evaluated=len(rows),
        eligible=ranked(eligible),
        near_misses=ranked(near),
        needs_facts=ranked(needs),
        missing_fact_counts=missing_counts,
    )


def policy_matches(
    *, facts: dict, today: date, region_code: str | None, cluster_ids, limit: int = DEFAULT_LIMIT
) -> dict:
    """Eligible policies, near misses and policies that need more facts, with explanations.

    Each section holds its total count and its first `limit` results.
    """
    candidates = candidate_policies(today=today, region_code=region_code, cluster_ids=cluster_ids)
    classified = classify(candidates=candidates, facts=facts)
    shown = {
        "eligible": classified.eligible[:limit],
        "near_misses": classified.near_misses[:limit],
        "needs_facts": classified.needs_facts[:limit],
    }
    ids = [policy_id for policy_ids in shown.values() for policy_id in policy_ids]
    policies = {
        policy.id: policy
        for policy in Policy.objects.filter(id__in=ids).select_related("cluster").only(*_POLICY_FIELDS)
    }
    sections = {}
    for name, rows in shown.items():
        results = []
        for policy_id in rows:
            policy = policies.get(uuid.UUID(policy_id))
            entry = rule_cache.entries.get(policy_id)
            if policy is None or entry is None:
                continue
            explanation = explain(entry.rule, facts)
            item = {"policy": policy, "conditions": [result.as_dict() for result in explanation.conditions]}
            if name == "near_misses":
                item["unmet"] = [result.as_dict() for result in explanation.near_miss]
            if name == "needs_facts":
                item["missing_facts"] = explanation.missing_facts
            results.append(item)
        sections[name] = results
    return {
        "as_of": today,
        "evaluated": classified.evaluated,
        "eligible": {"count": len(classified.eligible), "results": sections["eligible"]},
        "near_misses": {"count": len(classified.near_misses), "results": sections["near_misses"]},
        "needs_facts": {
            "count": len(classified.needs_facts),
            "facts": dict(classified.missing_fact_counts.most_common()),
            "results": sections["needs_facts"],
        },
    }


_POLICY_FIELDS = (
    "id",
    "updated_at",
    "title",
    "document_number",
    "issuer",
    "level",
    "region_code",
    "cluster__slug",
    "benefit_type",
    "max_amount",
    "application_opens",
    "application_closes",
    "valid_until",
)


def enterprise_policy_matches(
    *,
    enterprise: Enterprise,
    cluster: Cluster | None = None,
    limit: int = DEFAULT_LIMIT,
    today: date | None = None,
) -> dict:
    """The calculator for a registered enterprise (optionally as seen by one cluster's agency)."""
    today = today or timezone.localdate()
    facts, cluster_ids = enterprise_facts(enterprise=enterprise, today=today, cluster=cluster)
    return policy_matches(
        facts=facts, today=today, region_code=enterprise.region_code, cluster_ids=cluster_ids, limit=limit
    )


def profile_policy_matches(*, profile: dict, limit: int = DEFAULT_LIMIT, today: date | None = None) -> dict:
    """The calculator for an ad-hoc profile (anonymous check): the platform library only, and
    cluster membership unknown."""
    today = today or timezone.localdate()
    facts = facts_from_profile(today=today, **profile)
    return policy_matches(
        facts=facts, today=today, region_code=profile.get("region_code"), cluster_ids=[], limit=limit
    )
