from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404

from cluster_platform.models import AuditLog, Cluster, Notification, StaffRole


@dataclass(frozen=True)
class ClusterRoles:
    """What one user may act as in one cluster, resolved once per request."""

    staff_role: str | None = None
    sme_enterprise_ids: frozenset = field(default_factory=frozenset)
    partner_enterprise_ids: frozenset = field(default_factory=frozenset)
    # Every enterprise the user belongs to, member of this cluster or not (to apply, for instance).
    enterprise_ids: frozenset = field(default_factory=frozenset)
    # Partners suspended here. They hold no member role (every role check above ignores them);
    # only the engagements they already have may still be read and moved forward or closed
    # (services.engagement_flow.NEW_WORK_ACTIONS stay refused), so running work can finish.
    suspended_partner_enterprise_ids: frozenset = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        return self.staff_role is not None

    @property
    def can_decide(self) -> bool:
        return self.staff_role in (StaffRole.ADMIN, StaffRole.OPERATOR)


ANONYMOUS_ROLES = ClusterRoles()


def cluster_get_active(*, slug: str) -> Cluster:
    """The active cluster with this slug; an unknown and an inactive cluster both answer 404."""
    try:
        return Cluster.objects.get(slug=slug, is_active=True)
    except Cluster.DoesNotExist:
        raise Http404 from None


def audit_log_list(*, cluster: Cluster) -> QuerySet[AuditLog]:
    return AuditLog.objects.filter(cluster=cluster).select_related("actor").order_by("-created_at", "-id")


# --- Notifications ----------------------------------------------------------------------------


def notification_list(*, user, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    notifications = Notification.objects.filter(user=user).select_related("cluster")
    if unread is True:
        notifications = notifications.filter(read_at__isnull=True)
    elif unread is False:
        notifications = notifications.filter(read_at__isnull=False)
    return notifications.order_by("-created_at", "-id")


def notification_unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
