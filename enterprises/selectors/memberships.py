"""Reads of cluster memberships: who is a member of a cluster, in which role."""

from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from cluster_platform.models import Cluster
from enterprises.models import Enterprise, Membership, MembershipRole, MembershipStatus


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


def partner_good_standing_q(*, today: date | None = None) -> Q:
    """The one definition of a partner in good standing, as a condition on Membership: an
    approved partner membership whose accreditation has not ended (none set: no expiry).

    Suspended and expired partners leave the public catalog and matching, and take no new
    engagements, bookings or voucher claims; their running engagements continue. Everything
    that asks "is this partner in good standing here?" goes through this function.
    """
    today = today or timezone.localdate()
    return Q(role=MembershipRole.PARTNER, status=MembershipStatus.APPROVED) & (
        Q(accreditation_valid_until__isnull=True) | Q(accreditation_valid_until__gte=today)
    )


def partner_in_good_standing(
    *, cluster_ref: str = "cluster_id", partner_ref: str = "partner_id", today: date | None = None
) -> Exists:
    """For a queryset of rows that name a cluster and a partner (offerings, machines): whether
    the row's partner is in good standing in the row's cluster."""
    return Exists(
        Membership.objects.filter(
            partner_good_standing_q(today=today),
            cluster_id=OuterRef(cluster_ref),
            enterprise_id=OuterRef(partner_ref),
        )
    )


def partner_ids_in_good_standing(*, cluster: Cluster, today: date | None = None) -> QuerySet:
    """The ids of the cluster's partners in good standing, as a subquery (`partner_id__in=`).

    For rows already confined to `cluster`, the same answer as partner_in_good_standing(), and
    cheaper for the ORM to build and compile on every request of a public list (there is no
    outer reference to resolve).
    """
    return Membership.objects.filter(partner_good_standing_q(today=today), cluster=cluster).values(
        "enterprise_id"
    )


def is_partner_in_good_standing(*, cluster: Cluster, enterprise_id, today: date | None = None) -> bool:
    return Membership.objects.filter(
        partner_good_standing_q(today=today), cluster=cluster, enterprise_id=enterprise_id
    ).exists()


def partner_ids_out_of_good_standing(
    *, cluster: Cluster, enterprise_ids, today: date | None = None
) -> frozenset:
    """Which of these enterprises are not partners in good standing in the cluster (one query,
    none when no enterprise is given)."""
    if not enterprise_ids:
        return frozenset()
    good = Membership.objects.filter(
        partner_good_standing_q(today=today), cluster=cluster, enterprise_id__in=list(enterprise_ids)
    ).values_list("enterprise_id", flat=True)
    return frozenset(enterprise_ids) - set(good)


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
