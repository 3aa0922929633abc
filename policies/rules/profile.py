"""The facts of an enterprise profile, as the Python evaluator reads them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal


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
