"""The devices' figures in the agency's KPIs (the console's extension point, docs/console.md):
devices connected, online now, messages per day and per month, over a set of clusters.

`devices.selectors.telemetry.cluster_device_figures` answers the same headline for one cluster
(the devices API's `/devices/figures/`); these are the same definitions over the scope's
clusters together, with monthly series, each a database aggregate.
"""

from datetime import datetime, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from cluster_platform.monthly import StatsScope, grouped_counts, monthly_series
from devices.models import Device, DeviceHourly, DeviceStatus

RECENT_DAYS = 7


def device_figures(scope: StatsScope) -> dict:
    """Connected devices (registered, not revoked): how many, online now, by type and status;
    how many were connected at each month's end (registered before it, not revoked by then);
    messages per month, and per day over the last week."""
    devices = Device.objects.filter(cluster_id__in=scope.cluster_ids)
    connected = devices.filter(revoked_at__isnull=True)
    now = connected.aggregate(connected=Count("pk"), online=Count("pk", filter=Q(status=DeviceStatus.ONLINE)))
    at_month_end = devices.order_by().aggregate(
        **{
            f"m{index}": Count(
                "pk", filter=Q(created_at__lt=end) & (Q(revoked_at__isnull=True) | Q(revoked_at__gte=end))
            )
            for index, end in enumerate(scope.month_ends)
        }
    )
    hours = DeviceHourly.objects.filter(cluster_id__in=scope.cluster_ids)
    monthly = monthly_series(hours, at="hour", scope=scope, make=lambda q: Sum("messages", filter=q))
    return {
        "connected": now["connected"],
        "online": now["online"],
        "by_type": grouped_counts(connected, "device_type_id"),
        "by_status": grouped_counts(connected, "status"),
        "series": [at_month_end[f"m{index}"] for index in range(len(scope.months))],
        "messages_series": [value or 0 for value in monthly],
        "messages_per_day": _messages_per_day(hours, scope),
    }


def _messages_per_day(hours, scope: StatsScope) -> list[dict]:
    """The last week's messages per local day, today included (hourly rollups fall on whole
    hours, and the platform's zone is a whole number of hours from UTC)."""
    zone = timezone.get_default_timezone()
    first = scope.today - timedelta(days=RECENT_DAYS - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(scope.today + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    per_day = dict(
        hours.filter(hour__gte=start, hour__lt=end)
        .annotate(day=TruncDate("hour", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(messages=Sum("messages"))
        .values_list("day", "messages")
    )
    days = [first + timedelta(days=n) for n in range(RECENT_DAYS)]
    return [{"date": day.isoformat(), "messages": per_day.get(day, 0)} for day in days]


FIGURES = {"devices": device_figures}
