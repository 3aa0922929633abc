"""Writes for service delivery: engagement transitions, reviews, shared machines and their bookings.

Lock order, everywhere, to keep concurrent transactions from deadlocking: offering, then
engagement, then partner rating; machine, then booking. A transaction that needs two of these
rows takes them in that order.
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_platform.exceptions import Conflict, InvalidTransition
from cluster_platform.models import Cluster
from cluster_platform.selectors import ClusterRoles
from cluster_platform.services import audit_record, notification_send
from enterprises.models import Enterprise, EnterpriseUser, MembershipRole
from enterprises.selectors.memberships import is_approved_member
from enterprises.selectors.roles import cluster_roles_for
from services import engagement_flow, signals, slots
from services.models import (
    BOOKING_HOLDING_STATUSES,
    Booking,
    BookingStatus,
    Demand,
    DemandStatus,
    Engagement,
    EngagementEvent,
    Machine,
    MachineApproval,
    MachineKind,
    MachineStatus,
    Offering,
    PartnerRating,
    Review,
)
from services.ratings import bayesian_average

MAX_REASON_LENGTH = 2000
MAX_COMMENT_LENGTH = 2000


# --- Helpers --------------------------------------------------------------------------------------


def _notify_enterprise(
    *, cluster: Cluster, enterprise_id, kind: str, title: str, body: str, target, dedup_key: str
) -> None:
    """Notify every user of an enterprise, once per key (a retried request notifies nobody twice)."""
    for link in EnterpriseUser.objects.filter(enterprise_id=enterprise_id).select_related("user"):
        notification_send(
            user=link.user,
            kind=kind,
            title=title,
            body=body,
            dedup_key=dedup_key,
            cluster=cluster,
            target=target,
        )


def _clean_text(value: str | None, *, field: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError({field: [_("At most %(limit)d characters.") % {"limit": limit}]})
    return value


def engagement_parties_of(*, engagement: Engagement, roles: ClusterRoles) -> list[str]:
    """The parties a caller holds on one engagement, most specific first."""
    parties = []
    if engagement.sme_id in roles.sme_enterprise_ids:
        parties.append(engagement_flow.SME)
    if engagement.partner_id in roles.partner_enterprise_ids:
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


# --- Engagements ----------------------------------------------------------------------------------

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
        _notify_enterprise(
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


def demand_follow_engagement(*, engagement: Engagement) -> None:
    """Move the SME's demand along with the engagement that serves it: in progress when work
    starts, closed when the engagement completes. Only forward, and only from the states that
    precede it, so a demand the SME closed or cancelled meanwhile is left alone."""
    if engagement.demand_id is None:
        return
    follow = {
        engagement_flow.IN_PROGRESS: ([DemandStatus.OPEN, DemandStatus.MATCHED], DemandStatus.IN_PROGRESS),
        engagement_flow.COMPLETED: (
            [DemandStatus.OPEN, DemandStatus.MATCHED, DemandStatus.IN_PROGRESS],
            DemandStatus.CLOSED,
        ),
    }
    if engagement.status not in follow:
        return
    sources, target = follow[engagement.status]
    if Demand.objects.filter(pk=engagement.demand_id, status__in=sources).update(status=target):
        signals.demand_changed.send(sender=Demand, demand=Demand.objects.get(pk=engagement.demand_id))


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
    reason = _clean_text(reason, field="reason", limit=MAX_REASON_LENGTH)

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


# --- Reviews --------------------------------------------------------------------------------------


def _rating_aggregate(queryset) -> tuple[int, float]:
    aggregate = queryset.aggregate(count=Count("id"), mean=Avg("rating"))
    return aggregate["count"], float(aggregate["mean"] or 0)


def offering_rating_refresh(*, offering_id) -> None:
    """Recompute an offering's rating columns from its reviews, under the offering's row lock.

    Recomputing from the table (rather than adding to the old mean) keeps the columns exact even if
    a review is removed, and the lock makes concurrent reviews of one offering queue: the second
    transaction's aggregate sees the first one's committed review."""
    Offering.objects.select_for_update().only("id").get(pk=offering_id)
    count, mean = _rating_aggregate(Review.objects.filter(offering_id=offering_id))
    Offering.objects.filter(pk=offering_id).update(
        rating_count=count,
        rating_mean=round(mean, 4),
        rating_bayes=round(bayesian_average(count=count, mean=mean), 4),
    )


def partner_rating_refresh(*, cluster: Cluster, partner_id) -> PartnerRating:
    """Recompute a partner's rating in a cluster, creating its row on first use."""
    # Insert-or-skip first, so that two first reviews of one partner cannot both try to create it.
    PartnerRating.objects.bulk_create(
        [PartnerRating(cluster=cluster, partner_id=partner_id)], ignore_conflicts=True
    )
    rating = PartnerRating.objects.select_for_update().get(cluster=cluster, partner_id=partner_id)
    count, mean = _rating_aggregate(Review.objects.filter(cluster=cluster, partner_id=partner_id))
    rating.count = count
    rating.mean = round(mean, 4)
    rating.bayes = round(bayesian_average(count=count, mean=mean), 4)
    rating.save(update_fields=["count", "mean", "bayes", "updated_at"])
    return rating


@transaction.atomic
def review_create(*, cluster: Cluster, engagement: Engagement, rating, comment: str = "", by) -> Review:
    """The SME rates a completed engagement, once; the offering's and partner's ratings follow."""
    if engagement.cluster_id != cluster.pk:
        raise ValidationError({"engagement": [_("This engagement is not in this cluster.")]})
    roles = cluster_roles_for(user=by, cluster=cluster)
    if engagement.sme_id not in roles.sme_enterprise_ids:
        raise PermissionDenied(_("Only the client of an engagement may review it."))
    errors = {}
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = [_("Give a whole number from 1 to 5.")]
    if comment is not None and len(comment.strip()) > MAX_COMMENT_LENGTH:
        errors["comment"] = [_("At most %(limit)d characters.") % {"limit": MAX_COMMENT_LENGTH}]
    if errors:
        raise ValidationError(errors)
    if engagement.status != engagement_flow.COMPLETED:
        raise Conflict(_("Only a completed engagement can be reviewed."))
    try:
        with transaction.atomic():
            review = Review.objects.create(
                cluster=cluster,
                engagement=engagement,
                offering_id=engagement.offering_id,
                partner_id=engagement.partner_id,
                sme_id=engagement.sme_id,
                author=by,
                rating=rating,
                comment=(comment or "").strip(),
            )
    except IntegrityError:
        raise Conflict(_("This engagement has already been reviewed.")) from None
    # Lock order: offering, then partner rating (see the module docstring).
    offering_rating_refresh(offering_id=engagement.offering_id)
    partner_rating_refresh(cluster=cluster, partner_id=engagement.partner_id)
    return review


# --- Machines -------------------------------------------------------------------------------------

MACHINE_FIELDS = (
    "asset_code",
    "name",
    "kind",
    "model_name",
    "manufacturer",
    "description",
    "location",
    "hourly_rate",
    "status",
    "opening_hours",
)
# Changing what the machine is sends it back to the agency; price, hours and status do not.
MACHINE_REVIEWED_FIELDS = ("asset_code", "name", "kind", "model_name", "manufacturer", "location")
_TEXT_LIMITS = {
    "asset_code": 64,
    "name": 200,
    "model_name": 200,
    "manufacturer": 200,
    "location": 200,
    "description": 5000,
}
_REQUIRED = ("asset_code", "name", "kind", "model_name", "location", "hourly_rate")


def _machine_clean(data: dict, *, partial: bool) -> dict:
    """Validate machine fields; raises a field-level ValidationError listing every problem."""
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(MACHINE_FIELDS)
    for field in sorted(unknown):
        errors[field] = [_("Unknown field.")]
    cleaned = {}
    for field in MACHINE_FIELDS:
        if field not in data:
            if not partial and field in _REQUIRED:
                errors[field] = [_("This field is required.")]
            continue
        value = data[field]
        if field in _TEXT_LIMITS:
            value = "" if value is None else str(value).strip()
            if field in _REQUIRED and not value:
                errors[field] = [_("This field may not be blank.")]
            elif len(value) > _TEXT_LIMITS[field]:
                errors[field] = [_("At most %(limit)d characters.") % {"limit": _TEXT_LIMITS[field]}]
        elif field == "kind" and value not in MachineKind.values:
            errors[field] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(MachineKind.values)}]
        elif field == "status" and value not in MachineStatus.values:
            errors[field] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(MachineStatus.values)}]
        elif field == "hourly_rate":
            try:
                value = Decimal(str(value))
            except (InvalidOperation, ValueError, TypeError):
                errors[field] = [_("Give an amount in CNY.")]
            else:
                if not value.is_finite() or value < 0 or value >= Decimal("1e8"):
                    errors[field] = [_("Give an amount from 0 to 99,999,999.99 CNY.")]
                elif value.as_tuple().exponent < -2:
                    errors[field] = [_("At most two decimal places.")]
        elif field == "opening_hours":
            problems = slots.opening_hours_errors(value)
            if problems:
                errors[field] = problems
        cleaned[field] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _require_partner(*, cluster: Cluster, partner: Enterprise, by) -> None:
    roles = cluster_roles_for(user=by, cluster=cluster)
    if partner.pk not in roles.partner_enterprise_ids:
        raise PermissionDenied(_("Only an approved partner of this cluster may manage its machines."))


@transaction.atomic
def machine_create(*, cluster: Cluster, partner: Enterprise, by, data: dict) -> Machine:
    """A partner lists a machine; it waits for the agency's approval before anyone can book it."""
    _require_partner(cluster=cluster, partner=partner, by=by)
    cleaned = _machine_clean(data, partial=False)
    try:
        with transaction.atomic():
            return Machine.objects.create(
                cluster=cluster,
                partner=partner,
                approval=MachineApproval.PENDING,
                submitted_at=timezone.now(),
                **cleaned,
            )
    except IntegrityError:
        raise ValidationError(
            {"asset_code": [_("You already listed a machine with this asset code.")]}
        ) from None


@transaction.atomic
def machine_update(*, cluster: Cluster, machine: Machine, by, data: dict) -> Machine:
    """The partner edits a machine; changing what it is (not its price, hours or status) needs re-approval."""
    _require_partner(cluster=cluster, partner=machine.partner, by=by)
    cleaned = _machine_clean(data, partial=True)
    machine = Machine.objects.select_for_update().get(pk=machine.pk, cluster=cluster)
    changed = [field for field, value in cleaned.items() if getattr(machine, field) != value]
    for field in changed:
        setattr(machine, field, cleaned[field])
    if (
        any(field in MACHINE_REVIEWED_FIELDS for field in changed)
        and machine.approval != MachineApproval.PENDING
    ):
        machine.approval = MachineApproval.PENDING
        machine.submitted_at = timezone.now()
        machine.decided_at = None
        machine.decided_by = None
        machine.decision_reason = ""
        changed += ["approval", "submitted_at", "decided_at", "decided_by", "decision_reason"]
    try:
        with transaction.atomic():
            machine.save(update_fields=[*changed, "updated_at"])
    except IntegrityError:
        raise ValidationError(
            {"asset_code": [_("You already listed a machine with this asset code.")]}
        ) from None
    return machine


def _machine_decide(*, cluster: Cluster, machine: Machine, by, approve: bool, reason: str) -> Machine:
    roles = cluster_roles_for(user=by, cluster=cluster)
    if not roles.can_decide:
        raise PermissionDenied(_("Only the agency's admins and operators decide on machines."))
    reason = _clean_text(reason, field="reason", limit=MAX_REASON_LENGTH)
    if not approve and not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    machine = Machine.objects.select_for_update().get(pk=machine.pk, cluster=cluster)
    if machine.approval != MachineApproval.PENDING:
        raise InvalidTransition(
            current=machine.approval, requested="approve" if approve else "reject", allowed=[]
        )
    before = {"approval": machine.approval}
    machine.approval = MachineApproval.APPROVED if approve else MachineApproval.REJECTED
    machine.decided_at = timezone.now()
    machine.decided_by = by
    machine.decision_reason = reason
    machine.save(update_fields=["approval", "decided_at", "decided_by", "decision_reason", "updated_at"])
    audit_record(
        cluster=cluster,
        actor=by,
        action="machine.approve" if approve else "machine.reject",
        target=machine,
        before=before,
        after={"approval": machine.approval, "reason": reason},
    )
    _notify_enterprise(
        cluster=cluster,
        enterprise_id=machine.partner_id,
        kind="machine.approved" if approve else "machine.rejected",
        title=str(_("Your machine was approved") if approve else _("Your machine was rejected")),
        body=f"{machine.name}: {reason}" if reason else machine.name,
        target=machine,
        dedup_key=f"machine-decision:{machine.pk}:{machine.decided_at.isoformat()}",
    )
    return machine


@transaction.atomic
def machine_approve(*, cluster: Cluster, machine: Machine, by, reason: str = "") -> Machine:
    return _machine_decide(cluster=cluster, machine=machine, by=by, approve=True, reason=reason)


@transaction.atomic
def machine_reject(*, cluster: Cluster, machine: Machine, by, reason: str) -> Machine:
    return _machine_decide(cluster=cluster, machine=machine, by=by, approve=False, reason=reason)


# --- Bookings -------------------------------------------------------------------------------------


def _check_slot(*, machine: Machine, start: datetime, end: datetime) -> None:
    """A field-level 400 when [start, end) is not a bookable slot of the machine from now on."""
    errors = slots.slot_errors(
        start=start,
        end=end,
        opening_hours=machine.opening_hours,
        now=timezone.now(),
        tz=timezone.get_default_timezone(),
    )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def booking_create(
    *,
    cluster: Cluster,
    machine: Machine,
    sme: Enterprise,
    by,
    start: datetime,
    end: datetime,
    purpose: str = "",
) -> Booking:
    """An SME books [start, end) on an approved, online machine.

    No two bookings that hold a slot (requested or confirmed) of one machine overlap. PostgreSQL
    could say so with an exclusion constraint, but that needs the btree_gist extension, which the
    embedded server lacks. Instead every booking of a machine is created while holding that
    machine's row lock (SELECT ... FOR UPDATE): concurrent bookings of one machine queue on the
    lock, and each overlap check, a fresh READ COMMITTED statement taken after the lock is granted,
    sees every booking committed before it. Nothing else makes a booking hold a slot again (a
    declined or cancelled booking stays so), so the check is complete.
    """
    roles = cluster_roles_for(user=by, cluster=cluster)
    if sme.pk not in roles.sme_enterprise_ids:
        raise PermissionDenied(_("Only an SME member of this cluster may book machines."))
    purpose = _clean_text(purpose, field="purpose", limit=500)
    if machine.cluster_id != cluster.pk:
        raise ValidationError({"machine": [_("This machine is not in this cluster.")]})
    if machine.partner_id == sme.pk:
        raise ValidationError({"machine": [_("You cannot book your own machine.")]})
    _check_slot(machine=machine, start=start, end=end)

    machine = Machine.objects.select_for_update().get(pk=machine.pk)
    partner_admitted = is_approved_member(
        cluster=cluster, enterprise_id=machine.partner_id, role=MembershipRole.PARTNER
    )
    if machine.approval != MachineApproval.APPROVED or not partner_admitted:
        raise ValidationError({"machine": [_("This machine is not open for booking.")]})
    if machine.status != MachineStatus.ONLINE:
        raise Conflict(
            _("The machine is %(status)s and cannot be booked now.")
            % {"status": machine.get_status_display()}
        )
    # Re-check the hours under the lock: the partner may have changed them meanwhile.
    _check_slot(machine=machine, start=start, end=end)
    clash = Booking.objects.filter(
        machine=machine, status__in=BOOKING_HOLDING_STATUSES, start__lt=end, end__gt=start
    ).exists()
    if clash:
        raise Conflict(_("The machine is already booked during this time."))
    booking = Booking.objects.create(
        cluster=cluster,
        machine=machine,
        sme=sme,
        booked_by=by,
        start=start,
        end=end,
        purpose=purpose,
        hourly_rate=machine.hourly_rate,
    )
    _notify_enterprise(
        cluster=cluster,
        enterprise_id=machine.partner_id,
        kind="booking.requested",
        title=str(_("New machine booking request")),
        body=f"{machine.name} {timezone.localtime(start):%Y-%m-%d %H:%M}",
        target=booking,
        dedup_key=f"booking:{booking.pk}:requested",
    )
    return booking


# Booking transitions: (action, from status) -> (to status, party that may, reason required).
# The partner confirms or declines a request before it starts. Before the start, the SME may
# cancel a requested or confirmed booking, and the partner may cancel a confirmed one with a
# reason (a breakdown, say). Once a slot has started nobody cancels it.
BOOKING_TRANSITIONS = {
    ("confirm", BookingStatus.REQUESTED): (BookingStatus.CONFIRMED, {"partner"}, set()),
    ("decline", BookingStatus.REQUESTED): (BookingStatus.DECLINED, {"partner"}, set()),
    ("cancel", BookingStatus.REQUESTED): (BookingStatus.CANCELLED, {"sme"}, set()),
    ("cancel", BookingStatus.CONFIRMED): (BookingStatus.CANCELLED, {"sme", "partner"}, {"partner"}),
}
BOOKING_ACTIONS = ("confirm", "decline", "cancel")


def booking_allowed_actions(*, status: str, parties: list[str]) -> list[str]:
    return sorted(
        {
            action
            for (action, source), (_t, who, _r) in BOOKING_TRANSITIONS.items()
            if source == status and who & set(parties)
        }
    )


def booking_parties_of(*, booking: Booking, roles: ClusterRoles) -> list[str]:
    """The parties a caller holds on one booking: its SME, the machine's partner, or both."""
    parties = []
    if booking.sme_id in roles.sme_enterprise_ids:
        parties.append("sme")
    if booking.machine.partner_id in roles.partner_enterprise_ids:
        parties.append("partner")
    return parties


@transaction.atomic
def booking_transition(*, cluster: Cluster, booking: Booking, action: str, by, reason: str = "") -> Booking:
    if booking.cluster_id != cluster.pk:
        raise ValidationError({"booking": [_("This booking is not in this cluster.")]})
    roles = cluster_roles_for(user=by, cluster=cluster)
    booking = Booking.objects.select_for_update(of=("self",)).select_related("machine").get(pk=booking.pk)
    parties = booking_parties_of(booking=booking, roles=roles)
    may_ever = {
        party for (act, _s), (_t, who, _r) in BOOKING_TRANSITIONS.items() if act == action for party in who
    }
    eligible = [party for party in parties if party in may_ever]
    if action not in BOOKING_ACTIONS or not eligible:
        raise PermissionDenied(_("You may not %(action)s this booking.") % {"action": action})
    reason = _clean_text(reason, field="reason", limit=MAX_REASON_LENGTH)
    entry = BOOKING_TRANSITIONS.get((action, booking.status))
    party = next((p for p in eligible if entry and p in entry[1]), None)
    if entry is None or party is None:
        raise InvalidTransition(
            current=booking.status,
            requested=action,
            allowed=booking_allowed_actions(status=booking.status, parties=parties),
        )
    target, _who, reason_required = entry
    if party in reason_required and not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    now = timezone.now()
    if booking.start <= now:
        raise Conflict(_("The booked slot has already started."))
    booking.status = target
    booking.reason = reason
    fields = ["status", "reason", "updated_at"]
    if action == "cancel":
        booking.cancelled_at = now
        booking.cancelled_by_party = party
        fields += ["cancelled_at", "cancelled_by_party"]
    else:
        booking.decided_at = now
        fields.append("decided_at")
    booking.save(update_fields=fields)
    _notify_enterprise(
        cluster=cluster,
        enterprise_id=booking.machine.partner_id if party == "sme" else booking.sme_id,
        kind=f"booking.{target}",
        title=str(
            {
                BookingStatus.CONFIRMED: _("Your machine booking was confirmed"),
                BookingStatus.DECLINED: _("Your machine booking was declined"),
                BookingStatus.CANCELLED: _("A machine booking was cancelled"),
            }[target]
        ),
        body=f"{booking.machine.name} {timezone.localtime(booking.start):%Y-%m-%d %H:%M} {reason}".strip(),
        target=booking,
        dedup_key=f"booking:{booking.pk}:{target}",
    )
    return booking
