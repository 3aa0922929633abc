"""Alarm rules and their alarms: evaluated by a periodic sweep, raised and cleared with history.

Evaluation is stateless: whether "spindle_load above 95 for 60 s" holds is read from the stored
telemetry each time (since when has every reading been above the threshold?), so a sweep that
runs twice or late gives the same answer. Deduplication is the database's: at most one active
alarm per rule and device (a partial unique index); a rule that keeps firing keeps its alarm.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform.models import Cluster
from cluster_platform.services import notification_send
from devices.models import Alarm, AlarmKind, AlarmRule, AlarmStatus, Device, DeviceStatus, DeviceType
from enterprises.models import Enterprise, EnterpriseUser

BREACH_SQL = """
WITH r AS (
    SELECT ts, ("values"->>%(key)s)::float8 AS v FROM devices_telemetry
    WHERE device_id = %(device)s AND ts >= %(since)s AND ts <= %(now)s
      AND jsonb_typeof("values"->%(key)s) = 'number'
)
SELECT
    (SELECT v FROM r ORDER BY ts DESC LIMIT 1),
    (SELECT min(ts) FROM r WHERE (CASE WHEN %(above)s THEN v > %(threshold)s ELSE v < %(threshold)s END)
        AND ts > coalesce((SELECT max(ts) FROM r WHERE NOT (CASE WHEN %(above)s THEN v > %(threshold)s
                                                         ELSE v < %(threshold)s END)), '-infinity'))
"""


@dataclass(frozen=True)
class Verdict:
    breached: bool
    value: float | None = None


def alarm_rule_create(*, cluster: Cluster, enterprise: Enterprise, data: dict) -> AlarmRule:
    device: Device | None = data.get("device")
    device_type: DeviceType | None = data.get("device_type")
    if (device is None) == (device_type is None):
        raise ValidationError({"device": [_("Name either one device or a device type.")]})
    if device is not None and (device.cluster_id != cluster.pk or device.enterprise_id != enterprise.pk):
        raise ValidationError({"device": [_("Not one of your devices here.")]})
    kind = data["kind"]
    if kind != AlarmKind.OFFLINE:
        if not data.get("key") or data.get("threshold") is None:
            raise ValidationError({"threshold": [_("A value rule needs a key and a threshold.")]})
        if device is not None and data["key"] not in device.telemetry_keys:
            raise ValidationError({"key": [_("The device declares no such key.")]})
    return AlarmRule.objects.create(
        cluster=cluster,
        enterprise=enterprise,
        device=device,
        device_type=device_type,
        name=data["name"],
        kind=kind,
        key=data.get("key", "") if kind != AlarmKind.OFFLINE else "",
        threshold=data.get("threshold") if kind != AlarmKind.OFFLINE else None,
        duration_s=data.get("duration_s", 60),
    )


def _targets(rule: AlarmRule) -> QuerySet[Device]:
    devices = Device.objects.filter(
        cluster_id=rule.cluster_id, enterprise_id=rule.enterprise_id, revoked_at=None
    )
    if rule.device_id:
        return devices.filter(pk=rule.device_id)
    return devices.filter(device_type_id=rule.device_type_id)


def _verdict(rule: AlarmRule, device: Device, now: datetime) -> Verdict:
    if rule.kind == AlarmKind.OFFLINE:
        down_since = device.status_changed_at or device.created_at
        return Verdict(
            breached=device.status == DeviceStatus.OFFLINE
            and now - down_since >= timedelta(seconds=rule.duration_s)
        )
    with connection.cursor() as cursor:
        cursor.execute(
            BREACH_SQL,
            {
                "key": rule.key,
                "device": device.pk,
                "since": now - timedelta(seconds=2 * rule.duration_s + 60),
                "now": now,
                "above": rule.kind == AlarmKind.ABOVE,
                "threshold": rule.threshold,
            },
        )
        latest, breach_since = cursor.fetchone()
    if latest is None or breach_since is None:
        return Verdict(breached=False, value=latest)
    holds = (latest > rule.threshold) if rule.kind == AlarmKind.ABOVE else (latest < rule.threshold)
    return Verdict(breached=holds and now - breach_since >= timedelta(seconds=rule.duration_s), value=latest)


def _notify_raised(alarm: Alarm) -> None:
    device = alarm.device
    for link in EnterpriseUser.objects.filter(enterprise_id=device.enterprise_id).select_related("user"):
        notification_send(
            user=link.user,
            cluster=device.cluster,
            kind="device_alarm",
            title=_("Alarm on %(device)s: %(rule)s") % {"device": device.name, "rule": alarm.rule.name},
            body=_("Raised at %(at)s.")
            % {"at": timezone.localtime(alarm.raised_at).strftime("%Y-%m-%d %H:%M:%S")},
            dedup_key=f"device-alarm:{alarm.pk}",
            target=alarm,
        )


def alarm_rules_evaluate(*, now: datetime | None = None, cluster_id=None) -> dict:
    """Raise the alarms whose condition holds and clear those whose condition no longer does."""
    now = now or timezone.now()
    rules = AlarmRule.objects.filter(is_active=True).select_related("cluster")
    if cluster_id is not None:
        rules = rules.filter(cluster_id=cluster_id)
    raised = cleared = 0
    for rule in rules.order_by("pk"):
        active = {
            alarm.device_id: alarm for alarm in Alarm.objects.filter(rule=rule, status=AlarmStatus.ACTIVE)
        }
        for device in _targets(rule).select_related("device_type", "cluster").order_by("pk"):
            verdict = _verdict(rule, device, now)
            alarm = active.get(device.pk)
            if verdict.breached and alarm is None:
                try:
                    with transaction.atomic():
                        alarm = Alarm.objects.create(
                            cluster_id=rule.cluster_id,
                            rule=rule,
                            device=device,
                            status=AlarmStatus.ACTIVE,
                            raised_at=now,
                            value=verdict.value,
                        )
                        _notify_raised(alarm)
                    raised += 1
                except IntegrityError:  # another sweep raised it first
                    continue
            elif not verdict.breached and alarm is not None:
                updated = Alarm.objects.filter(pk=alarm.pk, status=AlarmStatus.ACTIVE).update(
                    status=AlarmStatus.CLEARED, cleared_at=now, updated_at=now
                )
                cleared += updated
    return {"raised": raised, "cleared": cleared}


def alarm_rule_deactivate(*, rule: AlarmRule) -> AlarmRule:
    """Stop watching; the rule's active alarms are cleared, its history kept."""
    with transaction.atomic():
        rule.is_active = False
        rule.save(update_fields=["is_active", "updated_at"])
        Alarm.objects.filter(Q(rule=rule) & Q(status=AlarmStatus.ACTIVE)).update(
            status=AlarmStatus.CLEARED, cleared_at=timezone.now()
        )
    return rule
