"""Figures over a set of clusters and a run of calendar months: the scope and the aggregates the
agency's KPIs are built from (console/selectors/stats.py and the apps' `stats.py` modules).

They live at the bottom of the layers so that every app that contributes figures (devices,
programmes) counts the same way: a *stock* series (`cumulative_series`) counts the rows that had
entered it by the end of each month, a *flow* series (`monthly_series`) aggregates the rows of
each month; either is one query with one conditional aggregate per month, whatever the number of
rows. Months are calendar months in the platform's time zone.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone


@dataclass(frozen=True)
class StatsScope:
    """The clusters a figure covers and the months its series spans (first day of each)."""

    cluster_ids: tuple
    months: tuple[date, ...]
    today: date

    @property
    def bounds(self) -> list[tuple[datetime, datetime]]:
        """Each month as [start, end) in the platform's time zone."""
        tz = timezone.get_default_timezone()
        return [
            (datetime(m.year, m.month, 1, tzinfo=tz), datetime(*next_month(m).timetuple()[:3], tzinfo=tz))
            for m in self.months
        ]

    @property
    def month_ends(self) -> list[datetime]:
        return [end for _start, end in self.bounds]


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def month_range(first: date, last: date) -> tuple[date, ...]:
    """The first day of every month from `first`'s to `last`'s, both included."""
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return tuple(months)


def cumulative_series(queryset: QuerySet, *, at: str, scope: StatsScope, count: str = "pk") -> list[int]:
    """For each month, how many distinct `count` values had `at` before the month's end."""
    aggregates = {
        f"m{index}": Count(count, distinct=True, filter=Q(**{f"{at}__lt": end}))
        for index, end in enumerate(scope.month_ends)
    }
    result = queryset.order_by().aggregate(**aggregates)
    return [result[f"m{index}"] for index in range(len(scope.months))]


def monthly_series(queryset: QuerySet, *, at: str, scope: StatsScope, make: Callable[[Q], object]) -> list:
    """For each month, the aggregate `make(filter)` over the rows whose `at` falls in the month."""
    aggregates = {
        f"m{index}": make(Q(**{f"{at}__gte": start, f"{at}__lt": end}))
        for index, (start, end) in enumerate(scope.bounds)
    }
    result = queryset.order_by().aggregate(**aggregates)
    return [result[f"m{index}"] for index in range(len(scope.months))]


def grouped_counts(queryset: QuerySet, key: str, count: str = "pk", *, blank: str = "") -> dict[str, int]:
    """Distinct `count` values per value of `key`, in key order; an empty key is named `blank`."""
    rows = queryset.order_by().values(key).annotate(n=Count(count, distinct=True)).values_list(key, "n")
    return {(str(value) if value not in (None, "") else blank): n for value, n in sorted(rows, key=_key)}


def _key(row):
    return "" if row[0] is None else str(row[0])


def rounded(value, digits: int = 2):
    return None if value is None else round(float(value), digits)
