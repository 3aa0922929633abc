"""Three-valued evaluation of a rule against a facts dict (closures compiled once per rule)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal

from cluster_platform.reference.regions import region_prefix
from policies.rules.catalogue import bounds_of, codes_of

#
# A compiled node returns (cost_true, cost_false): how many known conditions would have to
# change for the node to become definitely true (resp. false), capped at 2. The three-valued
# outcome falls out of it: true when cost_true is 0, false when cost_false is 0, unknown
# otherwise (an unknown condition costs "2": it can never be counted on). A near miss is a
# false rule whose cost_true is 1: a single condition stands between the enterprise and
# the policy. Leaves return shared constant tuples, so evaluation allocates nothing.

MET = (0, 1)
UNMET = (1, 0)
UNKNOWN = (2, 2)


def outcome_of(costs: tuple[int, int]) -> bool | None:
    if costs[0] == 0:
        return True
    if costs[1] == 0:
        return False
    return None


Compiled = Callable[[dict], tuple[int, int]]


def compile_rule(rule: dict) -> Compiled:
    """Compile a valid rule to a function of a facts dict returning (cost_true, cost_false)."""
    if not rule:
        return lambda facts: MET
    return _compile_node(rule)


def _compile_node(node: dict) -> Compiled:
    if "all" in node:
        children = tuple(_compile_node(item) for item in node["all"])

        def all_(facts):
            ct, cf = 0, 2
            for child in children:
                a, b = child(facts)
                ct += a
                if b < cf:
                    cf = b
            return (ct if ct < 2 else 2, cf)

        return all_
    if "any" in node:
        children = tuple(_compile_node(item) for item in node["any"])

        def any_(facts):
            ct, cf = 2, 0
            for child in children:
                a, b = child(facts)
                cf += b
                if a < ct:
                    ct = a
            return (ct, cf if cf < 2 else 2)

        return any_
    if "not" in node:
        child = _compile_node(node["not"])

        def not_(facts):
            a, b = child(facts)
            return (b, a)

        return not_
    return compile_condition(node)


_OUTCOME = {MET: True, UNMET: False, UNKNOWN: None}


def condition_test(condition: dict) -> Callable[[dict], bool | None]:
    """A function of the facts: True (met), False (not met) or None (the fact is unknown)."""
    compiled = compile_condition(condition)
    return lambda facts: _OUTCOME[compiled(facts)]


def compile_condition(condition: dict) -> Compiled:
    """One condition as a function of the facts returning MET, UNMET or UNKNOWN.

    Each kind gets its own small closure (the calculator runs tens of thousands per request)."""
    fact, op, value = condition["fact"], condition["op"], condition["value"]
    if fact == "region" or fact == "industry":
        prefixes = (
            tuple(region_prefix(code) for code in codes_of(value))
            if fact == "region"
            else tuple(codes_of(value))
        )

        def within(facts):
            actual = facts.get(fact)
            if actual is None:
                return UNKNOWN
            return MET if actual.startswith(prefixes) else UNMET

        return within
    if fact == "size_class":
        allowed = frozenset(value)

        def size_in(facts):
            actual = facts.get("size_class")
            if actual is None:
                return UNKNOWN
            return MET if actual in allowed else UNMET

        return size_in
    if fact == "qualifications":
        met_when_held, unmet_when_held = (MET, UNMET) if op == "has" else (UNMET, MET)

        def qualification(facts):
            held = facts.get("qualifications")
            if held is None:
                return UNKNOWN
            return met_when_held if value in held else unmet_when_held

        return qualification
    if fact == "cluster":
        role = condition.get("role")

        def member_of(facts):
            memberships = facts.get("clusters")
            visible = facts.get("visible_clusters")
            if memberships is None or (visible is not None and value not in visible):
                return UNKNOWN
            for slug, member_role in memberships:
                if slug == value and (role is None or member_role == role):
                    return MET
            return UNMET

        return member_of
    bounds = bounds_of(value)
    if fact in ("employees", "years_since_founding", "digital_maturity"):
        # Whole numbers (validated): compare ints with ints, faster than with Decimals.
        bounds = tuple(int(bound) for bound in bounds) if isinstance(bounds, tuple) else int(bounds)
    if fact == "rd_ratio":
        # Compared by cross-multiplication (rd_spend OP ratio x revenue), exactly as in SQL, so
        # that no rounding of a division can make the two evaluations disagree.
        def rd_ratio(facts):
            revenue, spend = facts.get("revenue"), facts.get("rd_spend")
            if revenue is None or spend is None or revenue <= 0:
                return UNKNOWN
            return MET if _compare_scaled(op, spend, bounds, revenue) else UNMET

        return rd_ratio
    if op == "between":
        low, high = bounds

        def between(facts):
            actual = facts.get(fact)
            if actual is None:
                return UNKNOWN
            return MET if low <= actual <= high else UNMET

        return between
    compare = _COMPARISONS[op]

    def numeric(facts):
        actual = facts.get(fact)
        if actual is None:
            return UNKNOWN
        return MET if compare(actual, bounds) else UNMET

    return numeric


_COMPARISONS = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def _compare_scaled(op: str, spend: Decimal, ratio, revenue: Decimal) -> bool:
    if op == "between":
        return ratio[0] * revenue <= spend <= ratio[1] * revenue
    return _COMPARISONS[op](spend, ratio * revenue)


def evaluate(rule: dict, facts: dict) -> bool | None:
    """True (eligible), False (not eligible) or None (unknown: the profile lacks facts)."""
    return outcome_of(compile_rule(rule)(facts))
