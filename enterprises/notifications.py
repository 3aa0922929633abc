"""Telling an enterprise's people about a decision that concerns it (in-app and by email)."""

from django.db.models import Model

from cluster_platform.models import Cluster
from cluster_platform.services import notification_send
from enterprises.models import EnterpriseUser


def enterprise_users_notify(
    *, enterprise_id, cluster: Cluster, kind: str, title: str, body: str, target: Model, dedup_key: str
) -> int:
    """Notify every active user of the enterprise once per `dedup_key` (a retried decision tells
    nobody twice); emails leave after commit. Returns how many were notified."""
    sent = 0
    links = EnterpriseUser.objects.filter(enterprise_id=enterprise_id, user__is_active=True).select_related(
        "user"
    )
    for link in links.order_by("user_id"):
        note = notification_send(
            user=link.user,
            kind=kind,
            title=title,
            body=body,
            dedup_key=dedup_key,
            cluster=cluster,
            target=target,
        )
        sent += note is not None
    return sent
