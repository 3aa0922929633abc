"""Reads of cluster memberships: who is a member of a cluster, in which role."""

from django.db.models import Prefetch, QuerySet

from cluster_platform.models import Cluster
from enterprises.models import Enterprise, Membership, MembershipStatus


def membership_list(*, cluster: Cluster) -> QuerySet[Membership]:
    """All of a cluster's memberships; callers narrow by role (the API) before listing."""
    return (
        Membership.objects.filter(cluster=cluster).select_related("enterprise").order_by("-created_at", "-id")
    )


def is_approved_member(*, cluster: Cluster, enterprise_id, role: str) -> bool:
    """Whether the enterprise is an approved member of the cluster in `role` (sme or partner)."""
    return Membership.objects.filter(
        cluster=cluster, enterprise_id=enterprise_id, role=role, status=MembershipStatus.APPROVED
    ).exists()


def approved_memberships_prefetch(*, cluster: Cluster) -> Prefetch:
    """Prefetch an enterprise's approved memberships in one cluster into `.cluster_memberships`."""
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(cluster=cluster, status=MembershipStatus.APPROVED).order_by(
            "role"
        ),
        to_attr="cluster_memberships",
    )


def member_directory(*, cluster: Cluster) -> QuerySet[Enterprise]:
    """Enterprises with an approved membership in the cluster, one row each, with their roles."""
    approved = Membership.objects.filter(cluster=cluster, status=MembershipStatus.APPROVED)
    return (
        Enterprise.objects.filter(id__in=approved.values("enterprise_id"))
        .prefetch_related(approved_memberships_prefetch(cluster=cluster))
        .order_by("name", "id")
    )
