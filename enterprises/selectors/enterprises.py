"""Reads of the enterprise registry, scoped to what the caller may see."""

from django.db.models import QuerySet

from cluster_platform.models import Cluster
from enterprises.models import (
    Enterprise,
    EnterpriseInvitation,
    EnterpriseUser,
    InvitationStatus,
    Membership,
    MembershipStatus,
)


def enterprise_list_for_user(*, user) -> QuerySet[Enterprise]:
    """The enterprises a user acts for (as owner or member)."""
    return Enterprise.objects.filter(users__user=user).order_by("name", "id")


def enterprise_users(*, enterprise: Enterprise) -> QuerySet[EnterpriseUser]:
    return (
        EnterpriseUser.objects.filter(enterprise=enterprise)
        .select_related("user")
        .order_by("user__email", "id")
    )


def enterprises_verifiable(*, cluster: Cluster) -> QuerySet[Enterprise]:
    """Enterprises the cluster's agency may verify: those that applied to it and were not rejected."""
    memberships = Membership.objects.filter(cluster=cluster).exclude(status=MembershipStatus.REJECTED)
    return Enterprise.objects.filter(id__in=memberships.values("enterprise_id")).order_by("name", "id")


def user_enterprise_links(*, user) -> QuerySet:
    return (
        EnterpriseUser.objects.filter(user=user)
        .select_related("enterprise")
        .order_by("enterprise__name", "enterprise_id")
    )


def invitations_received(*, user) -> QuerySet[EnterpriseInvitation]:
    """The pending invitations addressed to the user's email."""
    return (
        EnterpriseInvitation.objects.filter(email__iexact=user.email, status=InvitationStatus.PENDING)
        .select_related("enterprise")
        .order_by("-created_at", "id")
    )
