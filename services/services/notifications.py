"""Notifications to every user of an enterprise, as offerings, engagements, machines and bookings move."""

from cluster_platform.models import Cluster
from enterprises.notifications import enterprise_users_notify


def notify_enterprise(
    *, cluster: Cluster, enterprise_id, kind: str, title: str, body: str, target, dedup_key: str
) -> None:
    """Notify every user of an enterprise, once per key (a retried request notifies nobody twice)."""
    enterprise_users_notify(
        enterprise_id=enterprise_id,
        cluster=cluster,
        kind=kind,
        title=title,
        body=body,
        target=target,
        dedup_key=dedup_key,
    )
