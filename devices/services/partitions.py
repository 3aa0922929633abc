"""Daily partitions of `devices_telemetry`: created ahead of need, dropped after retention.

A partition is named `devices_telemetry_YYYYMMDD` and holds that UTC day. Dropping a whole day
is instant and leaves no dead rows, which is the reason to partition at all.
"""

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction

PARTITION_RE = re.compile(r"^devices_telemetry_(\d{8})$")


def _partition_name(day: date) -> str:
    return f"devices_telemetry_{day:%Y%m%d}"


def telemetry_partitions_ensure(*, days: Iterable[date]) -> list[str]:
    """Create the partitions these days need, if missing; answers the names created."""
    wanted = {_partition_name(day): day for day in days}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM unnest(%s::text[]) AS name WHERE to_regclass(name) IS NULL", [list(wanted)]
        )
        missing = [row[0] for row in cursor.fetchall()]
    created = []
    for name in sorted(missing):
        day = wanted[name]
        try:
            # A savepoint: another worker may create the same partition at the same moment.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF devices_telemetry "
                    f"FOR VALUES FROM ('{day.isoformat()} 00:00+00') "
                    f"TO ('{(day + timedelta(days=1)).isoformat()} 00:00+00')"
                )
            created.append(name)
        except DatabaseError:
            with connection.cursor() as cursor:
                cursor.execute("SELECT to_regclass(%s)", [name])
                if cursor.fetchone()[0] is None:
                    raise
    return created


def telemetry_partitions_list() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'devices_telemetry'::regclass ORDER BY c.relname"
        )
        return [row[0] for row in cursor.fetchall()]


def telemetry_partitions_maintain(*, today: date | None = None) -> dict:
    """Create today's and the coming days' partitions; drop those wholly past retention."""
    today = today or datetime.now(UTC).date()
    created = telemetry_partitions_ensure(
        days=[today + timedelta(days=n) for n in range(settings.TELEMETRY_PARTITIONS_AHEAD_DAYS + 1)]
    )
    cutoff = today - timedelta(days=settings.TELEMETRY_RETENTION_DAYS)
    dropped = []
    for name in telemetry_partitions_list():
        match = PARTITION_RE.match(name)
        if match and datetime.strptime(match[1], "%Y%m%d").date() < cutoff:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE {name}")
            dropped.append(name)
    return {"created": created, "dropped": dropped}
