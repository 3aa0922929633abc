from django.db.models import Q, QuerySet

from cluster_platform.selectors import ClusterRoles
from services.models import (
    Engagement,
    EngagementEvent,
)


def engagement_list(*, roles: ClusterRoles) -> QuerySet[Engagement]:
    """Engagements the caller may see: staff see the cluster's, members their own side's (a
    suspended partner too, so that it can finish the work it has)."""
    queryset = Engagement.objects.select_related("offering", "sme", "partner", "demand")
    if not roles.is_staff:
        queryset = queryset.filter(
            Q(sme_id__in=roles.sme_enterprise_ids)
            | Q(partner_id__in=roles.partner_enterprise_ids | roles.suspended_partner_enterprise_ids)
        )
    return queryset.order_by("-created_at", "id")


def engagement_events(*, engagement: Engagement) -> QuerySet[EngagementEvent]:
    return engagement.events.select_related("actor").order_by("created_at", "id")
