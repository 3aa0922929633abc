from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404

from cluster_platform.models import AuditLog, Cluster, ClusterStaff, StaffRole


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

    @property
    def member_enterprise_ids(self) -> frozenset:
        return self.sme_enterprise_ids | self.partner_enterprise_ids


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
