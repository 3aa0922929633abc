"""Reads for the device registry, already narrowed to what the caller may see in a cluster.

The cluster filter itself is added by the cluster-scoped API base (or by the caller)."""

from django.db.models import QuerySet

from cluster_platform.models import Cluster
from cluster_platform.selectors import ClusterRoles
from devices.models import DeadLetter, Device, DeviceStatusChange, DeviceType


def device_list(*, roles: ClusterRoles) -> QuerySet[Device]:
    """Agency staff see every device connected through the cluster; members see their own."""
    devices = Device.objects.select_related("device_type", "enterprise", "cluster").order_by("name", "id")
    if roles.is_staff:
        return devices
    return devices.filter(enterprise_id__in=roles.sme_enterprise_ids | roles.partner_enterprise_ids)


def device_owned_by(*, device: Device, roles: ClusterRoles) -> bool:
    """Whether the caller acts for the enterprise that owns the device (may change it)."""
    return device.enterprise_id in (roles.sme_enterprise_ids | roles.partner_enterprise_ids)


def device_type_list() -> QuerySet[DeviceType]:
    return DeviceType.objects.order_by("code")


def dead_letter_list(*, roles: ClusterRoles) -> QuerySet[DeadLetter]:
    """Refused messages of the caller's devices (all of the cluster's for agency staff)."""
    letters = DeadLetter.objects.select_related("device").order_by("-received_at", "-id")
    if roles.is_staff:
        return letters
    return letters.filter(device__enterprise_id__in=roles.sme_enterprise_ids | roles.partner_enterprise_ids)


def device_status_history(*, cluster: Cluster, device: Device) -> QuerySet[DeviceStatusChange]:
    return DeviceStatusChange.objects.filter(cluster=cluster, device=device).order_by("-at", "-id")
