"""What a user is in a cluster: agency staff, and the enterprises they act for with their
memberships. The tenancy base resolves these once per request; they read memberships, so they
live with the memberships, not in the tenancy core below them."""

from dataclasses import dataclass

from cluster_platform.models import Cluster, ClusterStaff
from cluster_platform.selectors import ANONYMOUS_ROLES, ClusterRoles
from enterprises.models import EnterpriseUser, Membership, MembershipRole, MembershipStatus


def cluster_roles_for(*, user, cluster: Cluster) -> ClusterRoles:
    if user is None or not user.is_authenticated:
        return ANONYMOUS_ROLES
    staff_role = (
        ClusterStaff.objects.filter(cluster=cluster, user=user).values_list("role", flat=True).first()
    )
    enterprise_ids = frozenset(
        EnterpriseUser.objects.filter(user=user).values_list("enterprise_id", flat=True)
    )
    memberships = Membership.objects.filter(
        cluster=cluster,
        enterprise_id__in=enterprise_ids,
        status__in=[MembershipStatus.APPROVED, MembershipStatus.SUSPENDED],
    ).values_list("enterprise_id", "role", "status")
    sme, partner, suspended_partner = set(), set(), set()
    for enterprise_id, role, status in memberships:
        if status == MembershipStatus.SUSPENDED:
            if role == MembershipRole.PARTNER:
                suspended_partner.add(enterprise_id)
            continue
        (sme if role == MembershipRole.SME else partner).add(enterprise_id)
    return ClusterRoles(
        staff_role=staff_role,
        sme_enterprise_ids=frozenset(sme),
        partner_enterprise_ids=frozenset(partner),
        enterprise_ids=enterprise_ids,
        suspended_partner_enterprise_ids=frozenset(suspended_partner),
    )


@dataclass(frozen=True)
class ClusterStanding:
    """One cluster as seen by one user: their staff role there and their enterprises' memberships."""

    cluster: Cluster
    staff_role: str | None
    memberships: list


def user_cluster_standings(*, user) -> list[ClusterStanding]:
    """Every cluster where the user is on the staff or one of their enterprises has a membership
    (in any status, so an applicant sees a pending or rejected application), in slug order."""
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
