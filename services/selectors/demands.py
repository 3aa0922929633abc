from django.db.models import Prefetch, Q, QuerySet

from cluster_platform.models import Cluster
from cluster_platform.selectors import ClusterRoles
from services.models import (
    Category,
    Demand,
    DemandStatus,
)

# Partners see visible demands only while they are still looking for a provider.
DEMAND_STATES_SHOWN_TO_PARTNERS = (DemandStatus.OPEN, DemandStatus.MATCHED)


def demand_visible(*, cluster: Cluster, roles: ClusterRoles) -> QuerySet[Demand]:
    """The agency sees every demand; an SME its own; a partner the open ones their SMEs show to partners."""
    demands = Demand.objects.filter(cluster=cluster)
    if roles.is_staff:
        return demands
    shown = Q(sme_id__in=roles.sme_enterprise_ids)
    if roles.partner_enterprise_ids:
        shown |= Q(visible_to_partners=True, status__in=DEMAND_STATES_SHOWN_TO_PARTNERS)
    return demands.filter(shown)


def demand_with_relations(queryset: QuerySet[Demand]) -> QuerySet[Demand]:
    return queryset.select_related("sme").prefetch_related(
        Prefetch("categories", queryset=Category.objects.order_by("position", "code"))
    )
