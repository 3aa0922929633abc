"""Reads of telemetry: latest values, a time range in N buckets, daily utilisation, cluster figures."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from cluster_platform.models import Cluster
from devices.models import Device, DeviceHourly, DeviceStatus
from devices.utilisation import day_shares
from services.selectors.machines import machine_utilisation

MAX_BUCKETS = 1000


def telemetry_range(*, device: Device, key: str, start: datetime, end: datetime, buckets: int) -> list[dict]:
    """The numeric `key` of a device between start and end, downsampled to at most `buckets`
    equal buckets (average, minimum, maximum and count per non-empty bucket), oldest first."""
    width = (end - start).total_seconds() / buckets
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT least(floor(extract(epoch FROM ts - %(start)s) / %(width)s)::int, %(last)s) AS bucket,
                   avg(("values"->>%(key)s)::float8), min(("values"->>%(key)s)::float8),
                   max(("values"->>%(key)s)::float8), count(*)
            FROM devices_telemetry
            WHERE device_id = %(device)s AND ts >= %(start)s AND ts < %(end)s
              AND jsonb_typeof("values"->%(key)s) = 'number'
            GROUP BY bucket ORDER BY bucket
            """,
            {
                "start": start,
                "end": end,
                "width": width,
                "key": key,
                "device": device.pk,
                "last": buckets - 1,
            },
        )
        return [
            {
                "start": start + timedelta(seconds=bucket * width),
                "avg": avg,
                "min": low,
                "max": high,
                "count": count,
            }
            for bucket, avg, low, high, count in cursor.fetchall()
        ]


def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def device_utilisation(*, device: Device, date_from: date, date_to: date) -> list[dict]:
    """Running, idle and offline shares of each day (the cluster's local days), from the rollups."""
    zone = _local_zone()
    start = datetime.combine(date_from, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    per_day = {
        row["day"]: row
        for row in DeviceHourly.objects.filter(device=device, hour__gte=start, hour__lt=end)
        .annotate(day=TruncDate("hour", tzinfo=zone))
        .values("day")
        .annotate(messages=Sum("messages"), running=Sum("running_messages"))
        .order_by("day")
    }
    interval = device.device_type.report_interval_s
    days = []
    day = date_from
    while day <= date_to:
        row = per_day.get(day, {"messages": 0, "running": 0})
        days.append(
            {
                "date": day,
                "messages": row["messages"],
                **day_shares(
                    messages=row["messages"], running_messages=row["running"], report_interval_s=interval
                ),
            }
        )
        day += timedelta(days=1)
    return days


def cluster_device_figures(*, cluster: Cluster, days: int = 7) -> dict:
    """The agency's headline figures: devices connected, online now, messages per day."""
    counts = Device.objects.filter(cluster=cluster, revoked_at__isnull=True).aggregate(
        connected=Count("id"), online=Count("id", filter=Q(status=DeviceStatus.ONLINE))
    )
    zone = _local_zone()
    today = timezone.now().astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    per_day = dict(
        DeviceHourly.objects.filter(cluster=cluster, hour__gte=start)
        .annotate(day=TruncDate("hour", tzinfo=zone))
        .values("day")
        .annotate(messages=Sum("messages"))
        .order_by("day")
        .values_list("day", "messages")
    )
    return {
        "devices_connected": counts["connected"],
        "devices_online": counts["online"],
        "messages_per_day": [
            {"date": first + timedelta(days=n), "messages": per_day.get(first + timedelta(days=n), 0)}
            for n in range(days)
        ],
    }


def machine_live_status(*, device: Device) -> str:
    """running / idle / offline for the shared machine a device drives, from its latest values."""
    if device.status != DeviceStatus.ONLINE:
        return "offline"
    device_type = device.device_type
    value = device.latest_values.get(device_type.running_key) if device_type.running_key else None
    running = (
        isinstance(value, int | float) and not isinstance(value, bool) and value > device_type.running_above
    )
    return "running" if running else "idle"


def device_utilisation_report(*, device: Device, date_from: date, date_to: date) -> dict:
    """Measured utilisation per day and over the range; beside it, for a linked shared machine,
    its booked utilisation (booked hours over bookable hours) in the same range."""
    days = device_utilisation(device=device, date_from=date_from, date_to=date_to)
    measured = round(sum(day["running"] for day in days) / len(days), 4)
    booked = None
    if device.machine_id:
        booked = machine_utilisation(machine=device.machine, date_from=date_from, date_to=date_to)[
            "utilisation"
        ]
    return {"days": days, "measured_utilisation": measured, "booked_utilisation": booked}
