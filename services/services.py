from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cluster_platform.exceptions import Conflict
from cluster_platform.models import Cluster
from enterprises.models import Enterprise, Membership, MembershipRole, MembershipStatus
from services import engagement_flow
from services.models import Demand, DemandStatus, Engagement, Offering, OfferingStatus
from services.services_delivery import MAX_REASON_LENGTH, engagement_notify, engagement_record_event


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
    """An SME asks a partner for one of its published offerings (optionally for one of its demands).

    The SME must be an approved SME member of the cluster; it may hold one open engagement per
    offering (a second request answers 409 until the first one ends).
    """
    errors = {}
    if offering.cluster_id != cluster.pk or offering.status != OfferingStatus.PUBLISHED:
        errors["offering"] = [_("This offering is not published in this cluster.")]
    elif offering.partner_id == sme.pk:
        errors["offering"] = [_("You cannot request your own offering.")]
    if demand is not None and (demand.cluster_id != cluster.pk or demand.sme_id != sme.pk):
        errors["demand"] = [_("This demand is not one of your demands in this cluster.")]
    elif demand is not None and demand.status in (DemandStatus.CLOSED, DemandStatus.CANCELLED):
        errors["demand"] = [_("This demand is closed.")]
    message = (message or "").strip()
    if len(message) > MAX_REASON_LENGTH:
        errors["message"] = [_("At most %(limit)d characters.") % {"limit": MAX_REASON_LENGTH}]
    if not Membership.objects.filter(
        cluster=cluster, enterprise=sme, role=MembershipRole.SME, status=MembershipStatus.APPROVED
    ).exists():
        errors["sme"] = [_("Only an approved SME member of this cluster may request services.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            engagement = Engagement.objects.create(
                cluster=cluster,
                offering=offering,
                sme=sme,
                partner_id=offering.partner_id,
                demand=demand,
                message=message,
            )
    except IntegrityError:
        raise Conflict(_("You already have an open engagement for this offering.")) from None
    event = engagement_record_event(
        engagement=engagement, action="request", from_status="", by=by, party=engagement_flow.SME
    )
    engagement_notify(engagement=engagement, event=event)
    return engagement
