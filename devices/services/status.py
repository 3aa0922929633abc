"""Online and offline: a device is online from its first message and offline once it has been
silent for its type's heartbeat timeout. Ingestion turns devices online; this sweep turns them off."""

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from devices.models import DeviceStatus, DeviceStatusChange

OFFLINE_SQL = """
UPDATE devices_device d SET status = %s, status_changed_at = %s
FROM devices_devicetype t
WHERE t.code = d.device_type_id AND d.status = %s
  AND d.last_seen_at < %s - make_interval(secs => t.heartbeat_timeout_s)
RETURNING d.id, d.cluster_id
"""


@transaction.atomic
def devices_mark_offline(*, now: datetime | None = None) -> int:
    """Turn silent devices offline and record the change; answers how many changed.

    One UPDATE with RETURNING: a concurrent ingestion that hears from a device first keeps it
    online (its row lock makes this statement see the new last_seen_at)."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(OFFLINE_SQL, [DeviceStatus.OFFLINE, now, DeviceStatus.ONLINE, now])
        changed = cursor.fetchall()
    DeviceStatusChange.objects.bulk_create(
        DeviceStatusChange(device_id=device_id, cluster_id=cluster_id, status=DeviceStatus.OFFLINE, at=now)
        for device_id, cluster_id in changed
    )
    return len(changed)
