"""Bookings of shared machines: slots checked against opening hours, and their transitions."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform.exceptions import Conflict, InvalidTransition
from cluster_platform.models import Cluster
from cluster_platform.selectors import ClusterRoles
from enterprises.models import Enterprise, MembershipRole
from enterprises.selectors.memberships import is_approved_member
from enterprises.selectors.roles import cluster_roles_for
from services import slots
from services.models import (
    BOOKING_HOLDING_STATUSES,
    Booking,
    BookingStatus,
    Machine,
    MachineApproval,
    MachineStatus,
)
from services.services.inputs import MAX_REASON_LENGTH, clean_text
from services.services.notifications import notify_enterprise


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
    purpose = clean_text(purpose, field="purpose", limit=500)
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
    notify_enterprise(
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
    reason = clean_text(reason, field="reason", limit=MAX_REASON_LENGTH)
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
    notify_enterprise(
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
