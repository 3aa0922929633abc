"""The fact catalogue of the eligibility rule language, and the walks over a rule's conditions
that validation, evaluation, explanation and the SQL compilation share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy

from enterprises.models import MembershipRole, Qualification, SizeClass

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


def codes_of(value) -> list | None:
    """A region or industry condition's value as a list of codes (one code or several), or None
    when it is neither (validation reports that)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return value
    return None


def bounds_of(value):
    """A numeric value, or the [low, high] of `between`, as Decimals: exact comparisons, the same
    in Python as in SQL NUMERIC."""
    if isinstance(value, list):
        return tuple(Decimal(str(item)) for item in value)
    return Decimal(str(value))


def plain(value) -> str:
    """A number as people write it in messages (no trailing `.0`, no exponent)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


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
