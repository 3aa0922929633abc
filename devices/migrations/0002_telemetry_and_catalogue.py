"""The partitioned telemetry table and the device-type catalogue.

`devices_telemetry` is partitioned by day on the device's timestamp (native declarative
partitioning): old days are dropped whole after the retention period instead of deleted row by
row, and a BRIN index on the time column stays tiny because rows arrive roughly in time order.
A unique index on a partitioned table must contain the partition key, so the primary key is
(device_id, seq, ts): a redelivered message repeats its device, seq and ts, and is ignored.
"""

import datetime

from django.db import migrations

CREATE_TELEMETRY = """
CREATE TABLE devices_telemetry (
    cluster_id uuid NOT NULL,
    device_id uuid NOT NULL,
    seq bigint NOT NULL,
    ts timestamptz NOT NULL,
    "values" jsonb NOT NULL,
    ingested_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (device_id, seq, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX devices_telemetry_ts_brin ON devices_telemetry USING brin (ts);
CREATE INDEX devices_telemetry_device_ts ON devices_telemetry (device_id, ts);
"""


def create_first_partitions(apps, schema_editor):
    today = datetime.datetime.now(datetime.UTC).date()
    with schema_editor.connection.cursor() as cursor:
        for offset in range(-1, 8):
            day = today + datetime.timedelta(days=offset)
            following = day + datetime.timedelta(days=1)
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS devices_telemetry_{day:%Y%m%d} PARTITION OF devices_telemetry "
                f"FOR VALUES FROM ('{day.isoformat()} 00:00+00') TO ('{following.isoformat()} 00:00+00')"
            )


def load_catalogue(apps, schema_editor):
    from devices.catalogue import DEVICE_TYPES

    DeviceType = apps.get_model("devices", "DeviceType")
    for row in DEVICE_TYPES:
        DeviceType.objects.update_or_create(code=row["code"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("devices", "0001_initial")]

    operations = [
        migrations.RunSQL(CREATE_TELEMETRY, "DROP TABLE devices_telemetry"),
        migrations.RunPython(create_first_partitions, migrations.RunPython.noop),
        migrations.RunPython(load_catalogue, migrations.RunPython.noop),
    ]
