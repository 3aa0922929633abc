from django.db.models import Q, QuerySet

from cluster_platform.selectors import ClusterRoles
from services.models import (
    OfferingStatus,
    PartnerRating,
    Review,
)


def review_list(*, roles: ClusterRoles) -> QuerySet[Review]:
    """Reviews of published offerings are public; staff also see those of unpublished ones,
    and each side sees the reviews of its own engagements."""
    queryset = Review.objects.select_related("offering", "partner", "sme")
    if not roles.is_staff:
        queryset = queryset.filter(
            Q(offering__status=OfferingStatus.PUBLISHED)
            | Q(sme_id__in=roles.sme_enterprise_ids)
            | Q(partner_id__in=roles.partner_enterprise_ids)
        )
    return queryset.order_by("-created_at", "id")


def partner_rating_list() -> QuerySet[PartnerRating]:
    return (
        PartnerRating.objects.select_related("partner").filter(count__gt=0).order_by("-bayes", "-count", "id")
    )
