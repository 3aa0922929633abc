"""Reads for partners' public profiles in one cluster: who they are, their tier, their rating,
what they delivered here and their clients' measured uplift (aggregates only)."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from cluster_platform.models import Cluster
from cluster_platform.selectors import ClusterRoles
from enterprises.models import Enterprise, Membership, MembershipRole, MembershipStatus
from enterprises.selectors.memberships import partner_good_standing_q
from services.models import Engagement, EngagementStatus, Offering, OfferingStatus, PartnerRating


def _count(queryset) -> Coalesce:
    counted = queryset.order_by().values("partner_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def partner_profile_list(*, cluster: Cluster, roles: ClusterRoles) -> QuerySet[Enterprise]:
    """The cluster's partners: those in good standing for everyone (as in the public catalog);
    the agency also sees its suspended partners and those whose accreditation ended. Each row is
    annotated with its tier, rating and counts in this cluster only."""
    partners = Membership.objects.filter(cluster=cluster, role=MembershipRole.PARTNER)
    if roles.is_staff:
        partners = partners.filter(status__in=[MembershipStatus.APPROVED, MembershipStatus.SUSPENDED])
    else:
        partners = partners.filter(partner_good_standing_q())
    membership = Membership.objects.filter(
        cluster=cluster, role=MembershipRole.PARTNER, enterprise_id=OuterRef("pk")
    )
    rating = PartnerRating.objects.filter(cluster=cluster, partner_id=OuterRef("pk"))
    return (
        Enterprise.objects.filter(pk__in=partners.values("enterprise_id"))
        .annotate(
            partner_tier=Subquery(membership.values("partner_tier")[:1]),
            rating_count=Coalesce(Subquery(rating.values("count")[:1]), 0),
            rating_mean=Subquery(rating.values("mean")[:1]),
            rating_bayes=Subquery(rating.values("bayes")[:1]),
            completed_engagements=_count(
                Engagement.objects.filter(
                    cluster=cluster, partner_id=OuterRef("pk"), status=EngagementStatus.COMPLETED
                )
            ),
            published_offerings=_count(
                Offering.objects.filter(
                    cluster=cluster, partner_id=OuterRef("pk"), status=OfferingStatus.PUBLISHED
                )
            ),
        )
        .order_by("name", "id")
    )
