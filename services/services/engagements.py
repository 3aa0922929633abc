"""Engagements: an SME's request for an offering and every move along the state machine in
services/engagement_flow.py, with the events, audit records and notifications each move leaves."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_platform.exceptions import Conflict, InvalidTransition
from cluster_platform.models import Cluster
from cluster_platform.selectors import ClusterRoles
from cluster_platform.services import audit_record
from enterprises.models import Enterprise, MembershipRole
from enterprises.selectors.memberships import is_approved_member, is_partner_in_good_standing
from enterprises.selectors.roles import cluster_roles_for
from services import engagement_flow
from services.models import (
    Demand,
    DemandStatus,
    Engagement,
    EngagementEvent,
    Offering,
    OfferingStatus,
)
from services.services.demands import demand_follow_engagement
from services.services.inputs import MAX_REASON_LENGTH, clean_text
from services.services.notifications import notify_enterprise


def engagement_parties_of(*, engagement: Engagement, roles: ClusterRoles) -> list[str]:
    """The parties a caller holds on one engagement, most specific first. A suspended partner is
    still the partner of the engagements it has; it takes on no new work (see
    `engagement_transition`)."""
    parties = []
    if engagement.sme_id in roles.sme_enterprise_ids:
        parties.append(engagement_flow.SME)
    if engagement.partner_id in roles.partner_enterprise_ids | roles.suspended_partner_enterprise_ids:
        parties.append(engagement_flow.PARTNER)
    if roles.can_decide:
        parties.append(engagement_flow.AGENCY)
    return parties


def engagement_record_event(
    *, engagement: Engagement, action: str, from_status: str, by, party: str, reason: str = ""
) -> EngagementEvent:
    return EngagementEvent.objects.create(
        cluster_id=engagement.cluster_id,
        engagement=engagement,
        action=action,
        from_status=from_status,
        to_status=engagement.status,
        actor=by if by is not None and by.is_authenticated else None,
        actor_party=party,
        reason=reason,
    )


_NOTIFY_COUNTERPART = {
    "request": gettext_lazy("New service request"),
    "accept": gettext_lazy("Your service request was accepted"),
    "decline": gettext_lazy("Your service request was declined"),
    "start": gettext_lazy("Work on your service request has started"),
    "deliver": gettext_lazy("Your service was delivered: please confirm or dispute"),
    "confirm": gettext_lazy("The client confirmed completion"),
    "dispute": gettext_lazy("The client disputed the delivery"),
    "cancel": gettext_lazy("A service engagement was cancelled"),
    "resolve": gettext_lazy("The agency resolved a disputed engagement"),
}


def engagement_notify(*, engagement: Engagement, event: EngagementEvent) -> None:
    """Tell the other side (both sides for agency decisions) what just happened."""
    recipients = {
        engagement_flow.SME: [engagement.partner_id],
        engagement_flow.PARTNER: [engagement.sme_id],
        engagement_flow.AGENCY: [engagement.sme_id, engagement.partner_id],
    }[event.actor_party]
    for enterprise_id in recipients:
        notify_enterprise(
            cluster=engagement.cluster,
            enterprise_id=enterprise_id,
            kind=f"engagement.{event.action}",
            title=str(_NOTIFY_COUNTERPART.get(event.action, event.action)),
            body=f"{engagement.offering.title}: {event.reason}"
            if event.reason
            else engagement.offering.title,
            target=engagement,
            dedup_key=f"engagement-event:{event.pk}",
        )


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
    elif not is_partner_in_good_standing(cluster=cluster, enterprise_id=offering.partner_id):
        errors["offering"] = [
            _(
                "This partner is not in good standing in this cluster (suspended or accreditation ended) and takes no new engagements."
            )
        ]
    if demand is not None and (demand.cluster_id != cluster.pk or demand.sme_id != sme.pk):
        errors["demand"] = [_("This demand is not one of your demands in this cluster.")]
    elif demand is not None and demand.status in (DemandStatus.CLOSED, DemandStatus.CANCELLED):
        errors["demand"] = [_("This demand is closed.")]
    message = (message or "").strip()
    if len(message) > MAX_REASON_LENGTH:
        errors["message"] = [_("At most %(limit)d characters.") % {"limit": MAX_REASON_LENGTH}]
    if not is_approved_member(cluster=cluster, enterprise_id=sme.pk, role=MembershipRole.SME):
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


@transaction.atomic
def engagement_transition(
    *,
    cluster: Cluster,
    engagement: Engagement,
    action: str,
    by,
    reason: str = "",
    outcome: str | None = None,
) -> Engagement:
    """Move an engagement along the state machine in services/engagement_flow.py.

    403 when the caller holds no party that may ever take this action on this engagement;
    409 (InvalidTransition, naming the allowed actions) when the action is not available from
    the current state; 409 when accepting would exceed the offering's capacity.
    """
    if engagement.cluster_id != cluster.pk:
        raise ValidationError({"engagement": [_("This engagement is not in this cluster.")]})
    if action not in engagement_flow.ACTIONS:
        raise ValidationError({"action": [_("Unknown action %(action)s.") % {"action": action}]})
    roles = cluster_roles_for(user=by, cluster=cluster)
    held = engagement_parties_of(engagement=engagement, roles=roles)
    eligible = [party for party in held if party in engagement_flow.parties_for(action)]
    if not eligible:
        raise PermissionDenied(_("You may not %(action)s this engagement.") % {"action": action})
    reason = clean_text(reason, field="reason", limit=MAX_REASON_LENGTH)

    if action == "accept":
        # Lock the offering before counting its engagements: two partners' users accepting at
        # once queue here, and the second counts the first's accepted engagement.
        offering = Offering.objects.select_for_update().get(pk=engagement.offering_id)
    engagement = (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("offering", "cluster")
        .get(pk=engagement.pk)
    )
    current = engagement.status
    transition, party = None, None
    for candidate in eligible:
        transition = engagement_flow.find_transition(current, action, candidate, outcome)
        if transition is not None:
            party = candidate
            break
    if transition is None:
        outcomes = engagement_flow.outcomes_for(current, action)
        if outcomes and outcome not in outcomes:
            raise ValidationError(
                {"outcome": [_("Choose one of: %(outcomes)s.") % {"outcomes": ", ".join(outcomes)}]}
            )
        allowed = set().union(*(engagement_flow.allowed_actions(current, p) for p in held))
        raise InvalidTransition(current=current, requested=action, allowed=sorted(allowed))
    if party in transition.reason_required and not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    if (
        party == engagement_flow.PARTNER
        and action in engagement_flow.NEW_WORK_ACTIONS
        and not is_partner_in_good_standing(cluster=cluster, enterprise_id=engagement.partner_id)
    ):
        raise Conflict(
            _(
                "This partner is not in good standing in this cluster (suspended or accreditation ended) "
                "and takes on no new work: decline the request, or accept it once reinstated."
            ),
            code="partner_not_in_good_standing",
        )

    if action == "accept":
        in_use = Engagement.objects.filter(
            offering_id=offering.pk, status__in=engagement_flow.CAPACITY_STATES
        ).count()
        if in_use >= offering.capacity:
            raise Conflict(
                _("The offering is at capacity: %(in_use)d of %(capacity)d engagements are under way.")
                % {"in_use": in_use, "capacity": offering.capacity},
                code="at_capacity",
            )

    engagement.status = transition.target
    engagement.save(update_fields=["status", "updated_at"])
    demand_follow_engagement(engagement=engagement)
    event = engagement_record_event(
        engagement=engagement, action=action, from_status=current, by=by, party=party, reason=reason
    )
    if party == engagement_flow.AGENCY:
        audit_record(
            cluster=cluster,
            actor=by,
            action=f"engagement.{action}",
            target=engagement,
            before={"status": current},
            after={"status": engagement.status, "reason": reason},
        )
    engagement_notify(engagement=engagement, event=event)
    return engagement
