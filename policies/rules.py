"""The eligibility rule language: validation and evaluation in Python (pure: no ORM).

A rule is JSON. A node is either a combinator or a condition on one enterprise fact:

    {"all": [node, ...]}          every node holds
    {"any": [node, ...]}          at least one node holds
    {"not": node}                 the node does not hold
    {"fact": F, "op": OP, "value": V}     a condition (cluster conditions may add "role")

The empty rule `{}` has no conditions: every enterprise in the policy's scope is eligible.

Evaluation is three-valued: a condition on a fact the profile lacks is *unknown*, and
all / any / not follow Kleene's logic (false wins in `all`, true wins in `any`, `not`
keeps unknown unknown). Only a definitely true rule makes an enterprise eligible, which is
exactly what the SQL compilation in `policies.rules_sql` returns.

Facts are a plain dict built by `facts_from_profile`; the SQL side reads the same facts
from Enterprise columns, so the two evaluations agree (a property-based test checks it).
"""

from __future__ import annotations

import itertools
import json
import math
import operator
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_platform.reference.industries import get_industry
from cluster_platform.reference.regions import get_region, region_prefix
from enterprises.models import MembershipRole, Qualification, SizeClass

# --- The fact catalogue ----------------------------------------------------------------------

NUMERIC_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "between")
MAX_DEPTH = 8
MAX_CONDITIONS = 64
COMBINATORS = ("all", "any", "not")


@dataclass(frozen=True)
class Fact:
    name: str
    label: object  # lazy translation
    ops: tuple[str, ...]
    kind: str  # "code" | "choice" | "set" | "integer" | "number" | "ratio" | "cluster"
    minimum: float | None = None
    maximum: float | None = None


FACTS: dict[str, Fact] = {
    fact.name: fact
    for fact in (
        Fact("region", gettext_lazy("region"), ("within",), "region"),
        Fact("industry", gettext_lazy("industry"), ("within",), "industry"),
        Fact("size_class", gettext_lazy("size class"), ("in",), "choice"),
        Fact("qualifications", gettext_lazy("qualifications"), ("has", "lacks"), "set"),
        Fact("employees", gettext_lazy("employees"), NUMERIC_OPS, "integer", minimum=0),
        Fact("revenue", gettext_lazy("operating revenue (CNY)"), NUMERIC_OPS, "number", minimum=0),
        Fact("rd_spend", gettext_lazy("R&D spend (CNY)"), NUMERIC_OPS, "number", minimum=0),
        Fact("rd_ratio", gettext_lazy("R&D spend / operating revenue"), NUMERIC_OPS, "number", minimum=0),
        Fact("years_since_founding", gettext_lazy("years since founding"), NUMERIC_OPS, "integer", minimum=0),
        Fact(
            "digital_maturity",
            gettext_lazy("digital maturity level"),
            NUMERIC_OPS,
            "integer",
            minimum=0,
            maximum=4,
        ),
        Fact("cluster", gettext_lazy("cluster membership"), ("member_of",), "cluster"),
    )
}

# Which facts a condition reads from the profile (rd_ratio is derived from two of them).
FACT_SOURCES: dict[str, tuple[str, ...]] = {name: (name,) for name in FACTS}
FACT_SOURCES["rd_ratio"] = ("rd_spend", "revenue")
FACT_SOURCES["cluster"] = ("clusters",)

SIZE_CLASSES = tuple(SizeClass.values)
QUALIFICATIONS = tuple(Qualification.values)
MEMBERSHIP_ROLES = tuple(MembershipRole.values)


# --- Validation --------------------------------------------------------------------------------


def validate_rule(rule) -> list[str]:
    """Every problem in `rule`, each prefixed with the path of the offending node
    (e.g. `all[2].not.value`); an empty list means the rule is valid."""
    errors: list[str] = []
    if not isinstance(rule, dict):
        return [_("rule: must be a JSON object.")]
    if rule == {}:
        return []
    counter = [0]
    _validate_node(rule, "rule", 1, errors, counter)
    if counter[0] > MAX_CONDITIONS:
        errors.append(_("rule: at most %(max)d conditions are allowed.") % {"max": MAX_CONDITIONS})
    if not errors:
        errors.extend(_unknown_cluster_errors(rule))
    return errors


def _unknown_cluster_errors(rule: dict) -> list[str]:
    """Cluster conditions must name an existing cluster (the one look-up validation makes)."""
    wanted = {
        (path, condition["value"])
        for path, condition, _n in iter_conditions(rule)
        if condition["fact"] == "cluster"
    }
    if not wanted:
        return []
    from cluster_platform.models import Cluster

    existing = set(
        Cluster.objects.filter(slug__in={slug for _p, slug in wanted}).values_list("slug", flat=True)
    )
    return [
        _("%(path)s.value: unknown cluster %(slug)r.") % {"path": path, "slug": slug}
        for path, slug in sorted(wanted)
        if slug not in existing
    ]


def _validate_node(node, path: str, depth: int, errors: list[str], counter: list[int]) -> None:
    if not isinstance(node, dict):
        errors.append(_("%(path)s: must be a JSON object.") % {"path": path})
        return
    if depth > MAX_DEPTH:
        errors.append(
            _("%(path)s: rules nest at most %(max)d levels deep.") % {"path": path, "max": MAX_DEPTH}
        )
        return
    combinators = [key for key in COMBINATORS if key in node]
    if combinators:
        if len(node) != 1:
            errors.append(
                _("%(path)s: a combinator node holds exactly one key (all, any or not), found: %(keys)s.")
                % {"path": path, "keys": ", ".join(sorted(node))}
            )
            return
        key = combinators[0]
        child = node[key]
        if key == "not":
            _validate_node(child, f"{path}.not", depth + 1, errors, counter)
            return
        if not isinstance(child, list) or not child:
            errors.append(
                _("%(path)s.%(key)s: must be a non-empty list of rules.") % {"path": path, "key": key}
            )
            return
        for index, item in enumerate(child):
            _validate_node(item, f"{path}.{key}[{index}]", depth + 1, errors, counter)
        return
    if "fact" not in node:
        errors.append(
            _("%(path)s: expected a condition (fact, op, value) or one of all / any / not, found: %(keys)s.")
            % {"path": path, "keys": ", ".join(sorted(node)) or "{}"}
        )
        return
    counter[0] += 1
    _validate_condition(node, path, errors)


def _validate_condition(node: dict, path: str, errors: list[str]) -> None:
    fact_name = node.get("fact")
    fact = FACTS.get(fact_name) if isinstance(fact_name, str) else None
    if fact is None:
        errors.append(
            _("%(path)s.fact: unknown fact %(fact)r; known facts: %(known)s.")
            % {"path": path, "fact": fact_name, "known": ", ".join(FACTS)}
        )
        return
    allowed_keys = {"fact", "op", "value"} | ({"role"} if fact.kind == "cluster" else set())
    extra = sorted(set(node) - allowed_keys)
    if extra:
        errors.append(
            _("%(path)s: unexpected keys %(keys)s in a %(fact)s condition.")
            % {"path": path, "keys": ", ".join(extra), "fact": fact.name}
        )
    op = node.get("op")
    if op not in fact.ops:
        errors.append(
            _("%(path)s.op: operator %(op)r does not apply to %(fact)s; use one of: %(ops)s.")
            % {"path": path, "op": op, "fact": fact.name, "ops": ", ".join(fact.ops)}
        )
        return
    if "value" not in node:
        errors.append(_("%(path)s.value: a value is required.") % {"path": path})
        return
    problem = _value_problem(fact, op, node["value"])
    if problem:
        errors.append(f"{path}.value: {problem}")
    if fact.kind == "cluster" and "role" in node and node["role"] not in MEMBERSHIP_ROLES:
        errors.append(
            _("%(path)s.role: must be one of %(roles)s.")
            % {"path": path, "roles": ", ".join(MEMBERSHIP_ROLES)}
        )


def _codes(value) -> list | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return value
    return None


def _is_number(value) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and not (isinstance(value, float) and not math.isfinite(value))
    )


def _number_problem(fact: Fact, value) -> str | None:
    if not _is_number(value):
        return _("must be a number.")
    if fact.kind == "integer" and not float(value).is_integer():
        return _("must be a whole number.")
    if fact.minimum is not None and value < fact.minimum:
        return _("must be at least %(min)s.") % {"min": _plain(fact.minimum)}
    if fact.maximum is not None and value > fact.maximum:
        return _("must be at most %(max)s.") % {"max": _plain(fact.maximum)}
    return None


def _value_problem(fact: Fact, op: str, value) -> str | None:
    if fact.kind in ("region", "industry"):
        codes = _codes(value)
        if codes is None:
            return _("must be a code or a non-empty list of codes.")
        lookup = get_region if fact.kind == "region" else get_industry
        unknown = [code for code in codes if lookup(code) is None]
        if unknown:
            if fact.kind == "region":
                return _("unknown GB/T 2260 region code(s): %(codes)s.") % {"codes": ", ".join(unknown)}
            return _("unknown GB/T 4754-2017 industry code(s): %(codes)s.") % {"codes": ", ".join(unknown)}
        return None
    if fact.kind == "choice":
        if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
            return _("must be a non-empty list of size classes.")
        unknown = [item for item in value if item not in SIZE_CLASSES]
        if unknown:
            return _("unknown size class(es) %(items)s; use: %(known)s.") % {
                "items": ", ".join(unknown),
                "known": ", ".join(SIZE_CLASSES),
            }
        return None
    if fact.kind == "set":
        if value not in QUALIFICATIONS:
            return _("unknown qualification %(value)r; use one of: %(known)s.") % {
                "value": value,
                "known": ", ".join(QUALIFICATIONS),
            }
        return None
    if fact.kind == "cluster":
        if not isinstance(value, str) or not value:
            return _("must be a cluster slug.")
        return None
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            return _("between takes a list of two numbers [low, high].")
        for bound in value:
            problem = _number_problem(fact, bound)
            if problem:
                return problem
        if value[0] > value[1]:
            return _("the low bound must not exceed the high bound.")
        return None
    return _number_problem(fact, value)


def iter_conditions(
    rule: dict, path: str = "rule", negated: bool = False
) -> Iterable[tuple[str, dict, bool]]:
    """(path, condition, negated) for every condition of a valid rule, in document order."""
    if not rule:
        return
    if "all" in rule or "any" in rule:
        key = "all" if "all" in rule else "any"
        for index, item in enumerate(rule[key]):
            yield from iter_conditions(item, f"{path}.{key}[{index}]", negated)
    elif "not" in rule:
        yield from iter_conditions(rule["not"], f"{path}.not", not negated)
    else:
        yield path, rule, negated


def required_facts(rule: dict) -> frozenset[str]:
    """The profile facts the rule reads."""
    return frozenset(
        source for _p, condition, _n in iter_conditions(rule) for source in FACT_SOURCES[condition["fact"]]
    )


# --- Facts ------------------------------------------------------------------------------------


def years_between(founded_on: date, today: date) -> int:
    """Full years from founding to `today` (the SQL annotation computes the same formula)."""
    return today.year - founded_on.year - ((today.month, today.day) < (founded_on.month, founded_on.day))


def facts_from_profile(
    *,
    today: date,
    region_code: str | None = None,
    industry_code: str | None = None,
    size_class: str | None = None,
    qualifications: Iterable[str] | None = None,
    employees: int | None = None,
    operating_revenue=None,
    rd_spend=None,
    founded_on: date | None = None,
    digital_maturity_level: int | None = None,
    memberships: Iterable[tuple[str, str]] | None = None,
    visible_clusters: Iterable[str] | None = None,
) -> dict:
    """The facts dict the evaluator reads. None (or a blank code) means the profile lacks the fact.

    `memberships` are the (cluster slug, role) pairs of approved memberships; with
    `visible_clusters`, membership of any other cluster counts as unknown (a cluster's staff
    must not learn an enterprise's memberships elsewhere).
    """
    return {
        "region": region_code or None,
        "industry": industry_code or None,
        "size_class": size_class or None,
        "qualifications": frozenset(qualifications) if qualifications is not None else None,
        "employees": employees,
        "revenue": _decimal(operating_revenue),
        "rd_spend": _decimal(rd_spend),
        "years_since_founding": years_between(founded_on, today) if founded_on is not None else None,
        "digital_maturity": digital_maturity_level,
        "clusters": frozenset(memberships) if memberships is not None else None,
        "visible_clusters": frozenset(visible_clusters) if visible_clusters is not None else None,
    }


def _decimal(value) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


# --- Evaluation --------------------------------------------------------------------------------
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
            tuple(region_prefix(code) for code in _codes(value)) if fact == "region" else tuple(_codes(value))
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
    bounds = _bounds(value)
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


def _bounds(value):
    if isinstance(value, list):
        return tuple(Decimal(str(item)) for item in value)
    return Decimal(str(value))


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


# --- Explanation --------------------------------------------------------------------------------


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
            "low": _plain(required[0]),
            "high": _plain(required[1]),
        }
    elif result.op in _OP_WORDS:
        requirement = f"{str(fact.label)} {_OP_WORDS[result.op]} {_plain(required)}"
    elif result.op == "within":
        codes = _codes(required)
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
        "actual": _plain(actual),
    }


def _code_name(fact: str, code: str) -> str:
    found = get_region(code) if fact == "region" else get_industry(code)
    return f"{code} {found.name}" if found is not None else code


def _plain(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


# --- Batch evaluation for the calculator ---------------------------------------------------------


class RuleSet:
    """Many rules evaluated against one profile, fast.

    Conditions are interned: a library of 50,000 policies has only a few hundred distinct
    conditions ("employees ≤ 300", "holds high_tech" ...), so each is evaluated once per profile
    (`outcomes`), and each rule is generated as one small Python function over those outcomes
    (no call per condition). Rules with the same JSON share their function. The generated code
    holds only integer indexes and arithmetic; condition values live in the interned closures.
    The result is the same (cost_true, cost_false) as `compile_rule` (a test checks it).
    """

    def __init__(self):
        self._condition_index: dict[str, int] = {}
        self._conditions: list[Compiled] = []
        self._functions: dict[str, Callable] = {}
        self._factories: dict[str, Callable] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._conditions)

    def outcomes(self, facts: dict) -> list[tuple[int, int]]:
        return [condition(facts) for condition in self._conditions]

    def compile(self, rule: dict) -> Callable[[list], tuple[int, int]]:
        key = json.dumps(rule, sort_keys=True, separators=(",", ":"))
        function = self._functions.get(key)
        if function is None:
            with self._lock:
                function = self._functions.get(key) or self._generate(rule, key)
        return function

    def _intern(self, condition: dict) -> int:
        key = json.dumps(condition, sort_keys=True, separators=(",", ":"))
        index = self._condition_index.get(key)
        if index is None:
            index = len(self._conditions)
            self._conditions.append(compile_condition(condition))
            self._condition_index[key] = index
        return index

    def _generate(self, rule: dict, key: str) -> Callable:
        if not rule:
            function = _always_met
        else:
            lines: list[str] = []
            leaves: list[int] = []
            true_var, false_var = self._emit(rule, lines, itertools.count(), leaves)
            lines.append(f"return ({true_var}, {false_var})")
            # The source depends only on the rule's shape (leaves are parameters), so rules of
            # the same shape share one compiled factory and compiling a rule is a closure call.
            parameters = ", ".join(f"i{position}" for position in range(len(leaves)))
            source = f"def make({parameters}):\n    def rule(o):\n        " + "\n        ".join(lines)
            source += "\n    return rule"
            factory = self._factories.get(source)
            if factory is None:
                namespace: dict = {}
                exec(compile(source, "<eligibility rule>", "exec"), namespace)  # noqa: S102 - indexes only
                factory = self._factories[source] = namespace["make"]
            function = factory(*leaves)
        self._functions[key] = function
        return function

    def _emit(self, node: dict, lines: list[str], counter, leaves: list[int]) -> tuple[str, str]:
        if "not" in node:
            true_var, false_var = self._emit(node["not"], lines, counter, leaves)
            return false_var, true_var
        name = f"v{next(counter)}"
        if "all" in node or "any" in node:
            children = [
                self._emit(item, lines, counter, leaves) for item in node["all" if "all" in node else "any"]
            ]
            # all: true costs add up, false takes the cheapest child; any: the dual.
            summed, least = (0, 1) if "all" in node else (1, 0)
            lines.append(f"{name}{'tf'[summed]} = " + " + ".join(child[summed] for child in children))
            lines.append(f"if {name}{'tf'[summed]} > 2: {name}{'tf'[summed]} = 2")
            lines.append(f"{name}{'tf'[least]} = {children[0][least]}")
            for child in children[1:]:
                lines.append(f"if {child[least]} < {name}{'tf'[least]}: {name}{'tf'[least]} = {child[least]}")
            return f"{name}t", f"{name}f"
        lines.append(f"{name}t, {name}f = o[i{len(leaves)}]")
        leaves.append(self._intern(node))
        return f"{name}t", f"{name}f"


def _always_met(outcomes):
    return MET
