"""Notifications to every user of an enterprise, as engagements, machines and bookings move."""

from cluster_platform.models import Cluster
from cluster_platform.services import notification_send
from enterprises.models import EnterpriseUser


def notify_enterprise(
    *, cluster: Cluster, enterprise_id, kind: str, title: str, body: str, target, dedup_key: str
) -> None:
    """Notify every user of an enterprise, once per key (a retried request notifies nobody twice)."""
    for link in EnterpriseUser.objects.filter(enterprise_id=enterprise_id).select_related("user"):
        notification_send(
            user=link.user,
            kind=kind,
            title=title,
            body=body,
            dedup_key=dedup_key,
            cluster=cluster,
            target=target,
        )
