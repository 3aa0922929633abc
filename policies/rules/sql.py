"""Compile an eligibility rule to one Django `Q` over Enterprise, for the reverse match.

Each node compiles to two filters: `sure` (the node is definitely true) and `refuted` (the node
is definitely false). `not` swaps them, `all` is AND of `sure` / OR of `refuted`, `any` the
dual. No SQL NOT is ever applied to a nullable comparison, so an enterprise whose fact is
NULL satisfies neither filter of a condition on that fact: unknown is not eligible, exactly
as in the Python evaluator (`policies.rules.evaluation`), and `not` of an unknown stays unknown.
(Django's `~Q(employees__lte=300)` would be TRUE for a NULL employee count.)

Derived facts are SQL expressions: `years_since_founding` is annotated with the same
full-years formula as `policies.rules.profile.years_between`; `rd_ratio` conditions compare
`rd_spend` with `ratio × operating_revenue` (revenue > 0), exact in NUMERIC, where a
division would round.
"""

from datetime import date

from django.db.models import Case, Exists, ExpressionWrapper, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import ExtractYear

from cluster_platform.reference.regions import region_prefix
from enterprises.models import Membership, MembershipStatus
from policies.rules.catalogue import SIZE_CLASSES, bounds_of, codes_of, iter_conditions

YEARS_ALIAS = "eligibility_years_since_founding"
_NEVER = Q(pk__in=[])
_INTEGER_FACTS = {"employees", "digital_maturity", "years_since_founding"}
_COLUMNS = {
    "employees": "employees",
    "revenue": "operating_revenue",
    "rd_spend": "rd_spend",
    "digital_maturity": "digital_maturity_level",
    "years_since_founding": YEARS_ALIAS,
}


def years_since_founding_expression(today: date):
    """Full years from founded_on to `today`: NULL when founded_on is NULL."""
    before_anniversary = Case(
        When(
            Q(founded_on__month__gt=today.month)
            | Q(founded_on__month=today.month, founded_on__day__gt=today.day),
            then=Value(1),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    return ExpressionWrapper(
        Value(today.year) - ExtractYear("founded_on") - before_anniversary, output_field=IntegerField()
    )


def annotations_for(rule: dict, today: date) -> dict:
    """The annotations the compiled filter refers to (only those the rule needs)."""
    if any(condition["fact"] == "years_since_founding" for _p, condition, _n in iter_conditions(rule)):
        return {YEARS_ALIAS: years_since_founding_expression(today)}
    return {}


def compile_q(rule: dict) -> Q:
    """Definitely-true filter of a valid rule; apply it after `annotations_for(rule, today)`."""
    if not rule:
        return Q()
    sure, _refuted = compile_filters(rule)
    return sure


def eligible_enterprises(queryset, rule: dict, today: date):
    """Enterprises of `queryset` for which the rule is definitely true, in one query."""
    annotations = annotations_for(rule, today)
    if annotations:
        queryset = queryset.annotate(**annotations)
    return queryset.filter(compile_q(rule))


def compile_filters(node: dict) -> tuple[Q, Q]:
    """(sure, refuted): the filters of "definitely true" and "definitely false" for one node."""
    if "all" in node or "any" in node:
        key = "all" if "all" in node else "any"
        parts = [compile_filters(item) for item in node[key]]
        sure = [part[0] for part in parts]
        refuted = [part[1] for part in parts]
        if key == "all":
            return _and(sure), _or(refuted)
        return _or(sure), _and(refuted)
    if "not" in node:
        sure, refuted = compile_filters(node["not"])
        return refuted, sure
    return _condition(node)


def _and(parts: list[Q]) -> Q:
    result = parts[0]
    for part in parts[1:]:
        result &= part
    return result


def _or(parts: list[Q]) -> Q:
    result = parts[0]
    for part in parts[1:]:
        result |= part
    return result


def _condition(condition: dict) -> tuple[Q, Q]:
    fact, op, value = condition["fact"], condition["op"], condition["value"]
    if fact in ("region", "industry"):
        column = "region_code" if fact == "region" else "industry_code"
        prefixes = [region_prefix(code) if fact == "region" else code for code in codes_of(value)]
        sure = _or([Q(**{f"{column}__startswith": prefix}) for prefix in prefixes])
        # Blank codes are unknown: neither within nor outside.
        refuted = _and([~Q(**{f"{column}__startswith": prefix}) for prefix in prefixes]) & ~Q(**{column: ""})
        return sure, refuted
    if fact == "size_class":
        others = [size for size in SIZE_CLASSES if size not in value]
        return Q(size_class__in=list(value)), (Q(size_class__in=others) if others else _NEVER)
    if fact == "qualifications":
        holds = Q(qualifications__contains=[value])
        return (holds, ~holds) if op == "has" else (~holds, holds)
    if fact == "cluster":
        memberships = Membership.objects.filter(
            enterprise=OuterRef("pk"), cluster__slug=value, status=MembershipStatus.APPROVED
        )
        if condition.get("role"):
            memberships = memberships.filter(role=condition["role"])
        member = Exists(memberships)
        return Q(member), ~Q(member)
    bounds = bounds_of(value)
    if fact == "rd_ratio":
        scaled = _scaled(bounds)
        sure, refuted = _numeric("rd_spend", op, scaled)
        positive = Q(operating_revenue__gt=0)
        return sure & positive, refuted & positive
    if fact in _INTEGER_FACTS:
        bounds = tuple(int(bound) for bound in bounds) if isinstance(bounds, tuple) else int(bounds)
    return _numeric(_COLUMNS[fact], op, bounds)


def _scaled(bounds):
    if isinstance(bounds, tuple):
        return tuple(
            ExpressionWrapper(F("operating_revenue") * Value(bound), output_field=_decimal_field())
            for bound in bounds
        )
    return ExpressionWrapper(F("operating_revenue") * Value(bounds), output_field=_decimal_field())


def _decimal_field():
    from django.db.models import DecimalField

    return DecimalField(max_digits=40, decimal_places=12)


def _numeric(column: str, op: str, bound) -> tuple[Q, Q]:
    def q(lookup, value):
        return Q(**{f"{column}__{lookup}": value})

    if op == "between":
        low, high = bound
        return q("gte", low) & q("lte", high), q("lt", low) | q("gt", high)
    if op == "eq":
        return q("exact", bound), q("lt", bound) | q("gt", bound)
    if op == "ne":
        return q("lt", bound) | q("gt", bound), q("exact", bound)
    opposite = {"gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}[op]
    return q(op, bound), q(opposite, bound)
