from django.db.models import QuerySet

from cluster_platform.selectors import ClusterRoles
from devices.models import Alarm, AlarmRule


def _own(roles: ClusterRoles) -> frozenset:
    return roles.sme_enterprise_ids | roles.partner_enterprise_ids


def alarm_rule_list(*, roles: ClusterRoles) -> QuerySet[AlarmRule]:
    rules = AlarmRule.objects.order_by("name", "id")
    return rules if roles.is_staff else rules.filter(enterprise_id__in=_own(roles))


def alarm_list(*, roles: ClusterRoles) -> QuerySet[Alarm]:
    """Alarms with their history (active first, newest first)."""
    alarms = Alarm.objects.select_related("rule", "device").order_by("status", "-raised_at", "-id")
    return alarms if roles.is_staff else alarms.filter(device__enterprise_id__in=_own(roles))
