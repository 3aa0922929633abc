"""Explanations: one result per condition, the near misses and the missing facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from cluster_platform.reference.industries import get_industry
from cluster_platform.reference.regions import get_region
from policies.rules.catalogue import FACT_SOURCES, FACTS, codes_of, iter_conditions, plain
from policies.rules.evaluation import condition_test


@dataclass
class ConditionResult:
    path: str
    fact: str
    op: str
    required: object
    actual: object
    outcome: str  # "met" | "not_met" | "unknown"
    negated: bool
    role: str | None = None

    def as_dict(self) -> dict:
        data = {
            "path": self.path,
            "fact": self.fact,
            "op": self.op,
            "required": self.required,
            "actual": self.actual,
            "outcome": self.outcome,
            "negated": self.negated,
            "text": describe_condition(self),
        }
        if self.role:
            data["role"] = self.role
        return data


@dataclass
class Explanation:
    outcome: bool | None
    conditions: list[ConditionResult]
    # Conditions each of which, were it met on its own, would make the rule true.
    near_miss: list[ConditionResult] = field(default_factory=list)
    # Profile facts whose absence leaves the outcome unknown.
    missing_facts: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.outcome is True:
            return "eligible"
        if self.outcome is None:
            return "needs_facts"
        return "near_miss" if self.near_miss else "not_eligible"


def explain(rule: dict, facts: dict) -> Explanation:
    """Evaluate with one result per condition, the near-miss conditions and the missing facts.

    Near miss, for nested rules: the rule is definitely false, and some single condition,
    were its own outcome reversed with every other condition unchanged, would make the whole
    rule definitely true. For a condition under `not`, "reversed" means it must stop holding
    (e.g. `not has X` needs the enterprise to lack X).
    """
    leaves = list(iter_conditions(rule))
    tests = [condition_test(condition) for _p, condition, _n in leaves]
    raw = [test(facts) for test in tests]
    results = [
        ConditionResult(
            path=path,
            fact=condition["fact"],
            op=condition["op"],
            required=condition["value"],
            actual=_actual_value(condition, facts),
            outcome="unknown" if value is None else ("met" if value else "not_met"),
            negated=negated,
            role=condition.get("role"),
        )
        for (path, condition, negated), value in zip(leaves, raw, strict=True)
    ]
    outcome = _fold(rule, iter(raw))
    near_miss: list[ConditionResult] = []
    if outcome is False:
        for index, value in enumerate(raw):
            if value is None:
                continue
            flipped = list(raw)
            flipped[index] = not value
            if _fold(rule, iter(flipped)) is True:
                near_miss.append(results[index])
    missing: list[str] = []
    if outcome is None:
        for result, (_p, condition, _n) in zip(results, leaves, strict=True):
            if result.outcome == "unknown":
                for source in FACT_SOURCES[condition["fact"]]:
                    if facts.get(source) is None and source not in missing:
                        missing.append(source)
        if not missing:  # unknown only through visibility of other clusters
            missing.append("clusters")
    return Explanation(outcome=outcome, conditions=results, near_miss=near_miss, missing_facts=missing)


def _fold(node: dict, values) -> bool | None:
    """Kleene evaluation of the tree over precomputed leaf outcomes, in document order."""
    if not node:
        return True
    if "all" in node:
        outcomes = [_fold(item, values) for item in node["all"]]
        if False in outcomes:
            return False
        return None if None in outcomes else True
    if "any" in node:
        outcomes = [_fold(item, values) for item in node["any"]]
        if True in outcomes:
            return True
        return None if None in outcomes else False
    if "not" in node:
        inner = _fold(node["not"], values)
        return None if inner is None else not inner
    return next(values)


def _actual_value(condition: dict, facts: dict):
    fact = condition["fact"]
    if fact == "rd_ratio":
        revenue, spend = facts.get("revenue"), facts.get("rd_spend")
        if revenue is None or spend is None or revenue <= 0:
            return None
        return float(round(spend / revenue, 4))
    if fact == "cluster":
        memberships = facts.get("clusters")
        visible = facts.get("visible_clusters")
        if memberships is None:
            return None
        return sorted(slug for slug, _role in memberships if visible is None or slug in visible)
    value = facts.get(fact)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, frozenset):
        return sorted(value)
    return value


_OP_WORDS = {
    "eq": "=",
    "ne": "≠",
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
}


def describe_condition(result: ConditionResult) -> str:
    """One human sentence: the requirement, and the enterprise's value when it has one."""
    fact = FACTS[result.fact]
    required = result.required
    if result.op == "between":
        requirement = _("%(fact)s between %(low)s and %(high)s") % {
            "fact": str(fact.label),
            "low": plain(required[0]),
            "high": plain(required[1]),
        }
    elif result.op in _OP_WORDS:
        requirement = f"{str(fact.label)} {_OP_WORDS[result.op]} {plain(required)}"
    elif result.op == "within":
        codes = codes_of(required)
        names = [_code_name(result.fact, code) for code in codes]
        requirement = _("%(fact)s within %(codes)s") % {"fact": str(fact.label), "codes": " / ".join(names)}
    elif result.op == "in":
        requirement = _("%(fact)s is one of %(values)s") % {
            "fact": str(fact.label),
            "values": ", ".join(required),
        }
    elif result.op == "has":
        requirement = _("holds qualification %(value)s") % {"value": required}
    elif result.op == "lacks":
        requirement = _("does not hold qualification %(value)s") % {"value": required}
    else:  # member_of
        requirement = _("approved member of cluster %(slug)s") % {"slug": required}
        if result.role:
            requirement += f" ({result.role})"
    if result.negated:
        requirement = _("not: %(requirement)s") % {"requirement": requirement}
    if result.outcome == "unknown":
        return _("%(requirement)s: unknown, the profile lacks this fact") % {"requirement": requirement}
    actual = result.actual
    if isinstance(actual, list):
        actual = ", ".join(str(item) for item in actual) or "—"
    word = _("met") if result.outcome == "met" else _("not met")
    return _("%(requirement)s: %(word)s (profile: %(actual)s)") % {
        "requirement": requirement,
        "word": word,
        "actual": plain(actual),
    }


def _code_name(fact: str, code: str) -> str:
    found = get_region(code) if fact == "region" else get_industry(code)
    return f"{code} {found.name}" if found is not None else code
