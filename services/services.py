from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cluster_platform.models import Cluster
from enterprises.models import Enterprise
from services.models import Demand, Engagement, Offering, OfferingStatus


@transaction.atomic
def engagement_request(
    *,
    cluster: Cluster,
    offering: Offering,
    sme: Enterprise,
    by,
    demand: Demand | None = None,
    message: str = "",
) -> Engagement:
    """An SME asks a partner for one of its published offerings (optionally for one of its demands)."""
    if offering.cluster_id != cluster.pk or offering.status != OfferingStatus.PUBLISHED:
        raise ValidationError({"offering": [_("This offering is not published in this cluster.")]})
    if demand is not None and (demand.cluster_id != cluster.pk or demand.sme_id != sme.pk):
        raise ValidationError({"demand": [_("This demand is not one of your demands in this cluster.")]})
    return Engagement.objects.create(
        cluster=cluster,
        offering=offering,
        sme=sme,
        partner_id=offering.partner_id,
        demand=demand,
        message=message,
    )
