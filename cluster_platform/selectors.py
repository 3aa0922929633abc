from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404

from cluster_platform.models import AuditLog, Cluster, ClusterStaff, Notification, StaffRole


@dataclass(frozen=True)
class ClusterRoles:
    """What one user may act as in one cluster, resolved once per request."""

    staff_role: str | None = None
    sme_enterprise_ids: frozenset = field(default_factory=frozenset)
    partner_enterprise_ids: frozenset = field(default_factory=frozenset)
    # Every enterprise the user belongs to, member of this cluster or not (to apply, for instance).
    enterprise_ids: frozenset = field(default_factory=frozenset)

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


def cluster_roles_for(*, user, cluster: Cluster) -> ClusterRoles:
    if user is None or not user.is_authenticated:
        return ANONYMOUS_ROLES
    from enterprises.models import EnterpriseUser, Membership, MembershipRole, MembershipStatus

    staff_role = (
        ClusterStaff.objects.filter(cluster=cluster, user=user).values_list("role", flat=True).first()
    )
    enterprise_ids = frozenset(
        EnterpriseUser.objects.filter(user=user).values_list("enterprise_id", flat=True)
    )
    approved = Membership.objects.filter(
        cluster=cluster, enterprise_id__in=enterprise_ids, status=MembershipStatus.APPROVED
    ).values_list("enterprise_id", "role")
    sme, partner = set(), set()
    for enterprise_id, role in approved:
        (sme if role == MembershipRole.SME else partner).add(enterprise_id)
    return ClusterRoles(
        staff_role=staff_role,
        sme_enterprise_ids=frozenset(sme),
        partner_enterprise_ids=frozenset(partner),
        enterprise_ids=enterprise_ids,
    )


def audit_log_list(*, cluster: Cluster) -> QuerySet[AuditLog]:
    return AuditLog.objects.filter(cluster=cluster).select_related("actor").order_by("-created_at", "-id")


# --- Accounts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterStanding:
    """One cluster as seen by one user: their staff role there and their enterprises' memberships."""

    cluster: Cluster
    staff_role: str | None
    memberships: list


def user_enterprise_links(*, user) -> QuerySet:
    from enterprises.models import EnterpriseUser

    return (
        EnterpriseUser.objects.filter(user=user)
        .select_related("enterprise")
        .order_by("enterprise__name", "enterprise_id")
    )


def user_cluster_standings(*, user) -> list[ClusterStanding]:
    """Every cluster where the user is on the staff or one of their enterprises has a membership
    (in any status, so an applicant sees a pending or rejected application), in slug order."""
    from enterprises.models import Membership

    staff = {row.cluster_id: row for row in ClusterStaff.objects.filter(user=user).select_related("cluster")}
    memberships = (
        Membership.objects.filter(enterprise__users__user=user)
        .select_related("cluster", "enterprise")
        .order_by("cluster__slug", "enterprise__name", "role", "id")
        .distinct()
    )
    clusters: dict = {}
    by_cluster: dict = {}
    for row in staff.values():
        clusters[row.cluster_id] = row.cluster
    for membership in memberships:
        clusters.setdefault(membership.cluster_id, membership.cluster)
        by_cluster.setdefault(membership.cluster_id, []).append(membership)
    return [
        ClusterStanding(
            cluster=cluster,
            staff_role=staff[cluster_id].role if cluster_id in staff else None,
            memberships=by_cluster.get(cluster_id, []),
        )
        for cluster_id, cluster in sorted(clusters.items(), key=lambda item: item[1].slug)
    ]


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
