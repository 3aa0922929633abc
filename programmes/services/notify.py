"""Who hears of a voucher decision: the users of the enterprise concerned, or the agency's deciders."""

from cluster_platform.models import ClusterStaff, StaffRole
from cluster_platform.services import notification_send
from enterprises.models import EnterpriseUser


def notify_enterprise(
    *, cluster, enterprise_id, kind: str, title: str, body: str, target, dedup_key: str
) -> None:
    """Every user of the enterprise, at most once per key (a retried request notifies nobody twice)."""
    for link in (
        EnterpriseUser.objects.filter(enterprise_id=enterprise_id).select_related("user").order_by("pk")
    ):
        notification_send(
            user=link.user,
            kind=kind,
            title=title,
            body=body,
            dedup_key=dedup_key,
            cluster=cluster,
            target=target,
        )


def notify_deciders(*, cluster, kind: str, title: str, body: str, target, dedup_key: str) -> None:
    """The cluster's admins and operators: someone has to decide."""
    staff = ClusterStaff.objects.filter(cluster=cluster, role__in=[StaffRole.ADMIN, StaffRole.OPERATOR])
    for member in staff.select_related("user").order_by("pk"):
        notification_send(
            user=member.user,
            kind=kind,
            title=title,
            body=body,
            dedup_key=dedup_key,
            cluster=cluster,
            target=target,
        )
