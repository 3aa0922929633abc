from django.db.models import Q, QuerySet

from cluster_platform.selectors import ClusterRoles
from services.models import (
    Booking,
)


def booking_list(*, roles: ClusterRoles) -> QuerySet[Booking]:
    """Staff see every booking; an SME its own; a partner those of its machines."""
    queryset = Booking.objects.select_related("machine", "machine__partner", "sme")
    if not roles.is_staff:
        queryset = queryset.filter(
            Q(sme_id__in=roles.sme_enterprise_ids) | Q(machine__partner_id__in=roles.partner_enterprise_ids)
        )
    return queryset.order_by("start", "id")
