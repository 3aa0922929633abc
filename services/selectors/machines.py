"""Reads of shared machines: the catalogue, the moderation queue, calendars and utilisation."""

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from cluster_platform.models import Cluster
from cluster_platform.selectors import ClusterRoles
from enterprises.models import Membership, MembershipRole, MembershipStatus
from services import slots
from services.models import (
    BOOKING_HOLDING_STATUSES,
    Booking,
    BookingStatus,
    Machine,
    MachineApproval,
    MachineStatus,
)


def partner_in_good_standing() -> Exists:
    """The machine's partner holds an approved partner membership of the machine's cluster."""
    return Exists(
        Membership.objects.filter(
            cluster_id=OuterRef("cluster_id"),
            enterprise_id=OuterRef("partner_id"),
            role=MembershipRole.PARTNER,
            status=MembershipStatus.APPROVED,
        )
    )


def machine_list(*, roles: ClusterRoles) -> QuerySet[Machine]:
    """Approved, online machines of partners in good standing are public catalog entries; a partner
    also sees all of its own, the agency sees every machine of the cluster."""
    queryset = Machine.objects.select_related("partner")
    if not roles.is_staff:
        queryset = queryset.filter(
            Q(partner_in_good_standing(), approval=MachineApproval.APPROVED, status=MachineStatus.ONLINE)
            | Q(partner_id__in=roles.partner_enterprise_ids)
        )
    return queryset.order_by("name", "id")


def machine_moderation_queue() -> QuerySet[Machine]:
    """Machines waiting for the agency, oldest submission first."""
    return (
        Machine.objects.select_related("partner")
        .filter(approval=MachineApproval.PENDING)
        .order_by("submitted_at", "created_at", "id")
    )


def _range_bounds(date_from: date, date_to: date):
    tz = timezone.get_default_timezone()
    start = slots.midnight(date_from, tz)
    end = slots.midnight(date_to + timedelta(days=1), tz)
    return start, end


def machine_calendar(*, machine: Machine, date_from: date, date_to: date, roles: ClusterRoles) -> dict:
    """Opening windows and busy slots between two dates (both included).

    Everyone who may see the machine sees when it is busy; the details of a booking (who, status)
    only its SME, the machine's partner and the agency."""
    tz = timezone.get_default_timezone()
    range_start, range_end = _range_bounds(date_from, date_to)
    bookings = list(
        Booking.objects.filter(
            machine=machine, status__in=BOOKING_HOLDING_STATUSES, start__lt=range_end, end__gt=range_start
        )
        .select_related("sme")
        .order_by("start", "id")
    )
    for booking in bookings:
        booking.machine = machine  # the serializer reads it; spare a query per booking
    sees_all = roles.is_staff or machine.partner_id in roles.partner_enterprise_ids
    return {
        "machine": machine.pk,
        "date_from": date_from,
        "date_to": date_to,
        "open": [
            {"start": start, "end": end}
            for start, end in slots.open_intervals(machine.opening_hours, date_from, date_to, tz)
        ],
        "busy": [{"start": booking.start, "end": booking.end} for booking in bookings],
        "bookings": [
            booking for booking in bookings if sees_all or booking.sme_id in roles.sme_enterprise_ids
        ],
    }


def _booked_hours_by_machine(*, machine_ids, range_start, range_end) -> dict:
    """Confirmed booked hours per machine, each booking clipped to the range, summed in SQL."""
    clipped = ExpressionWrapper(
        Least(F("end"), range_end) - Greatest(F("start"), range_start), output_field=DurationField()
    )
    rows = (
        Booking.objects.filter(
            machine_id__in=machine_ids,
            status=BookingStatus.CONFIRMED,
            start__lt=range_end,
            end__gt=range_start,
        )
        .values("machine_id")
        .annotate(booked=Sum(clipped))
        .order_by()
    )
    return {row["machine_id"]: row["booked"].total_seconds() / 3600 for row in rows}


def machine_utilisation(*, machine: Machine, date_from: date, date_to: date) -> dict:
    range_start, range_end = _range_bounds(date_from, date_to)
    booked = _booked_hours_by_machine(
        machine_ids=[machine.pk], range_start=range_start, range_end=range_end
    ).get(machine.pk, 0.0)
    bookable = slots.bookable_hours(machine.opening_hours, date_from, date_to)
    return {
        "machine": machine.pk,
        "date_from": date_from,
        "date_to": date_to,
        "bookable_hours": round(bookable, 2),
        "booked_hours": round(booked, 2),
        "utilisation": slots.utilisation(booked, bookable),
    }


def cluster_machine_utilisation(*, cluster: Cluster, date_from: date, date_to: date) -> dict:
    """Utilisation of the cluster's approved machines, in total and per kind: two queries whatever the fleet."""
    range_start, range_end = _range_bounds(date_from, date_to)
    machines = list(
        Machine.objects.filter(cluster=cluster, approval=MachineApproval.APPROVED).values(
            "id", "kind", "opening_hours"
        )
    )
    booked = _booked_hours_by_machine(
        machine_ids=[m["id"] for m in machines], range_start=range_start, range_end=range_end
    )
    # Count each weekday in the range once; a machine's bookable hours are then a dot product.
    weekday_counts = [0] * 7
    for day in slots.days(date_from, date_to):
        weekday_counts[day.weekday()] += 1
    by_kind = defaultdict(lambda: {"machines": 0, "bookable_hours": 0.0, "booked_hours": 0.0})
    for machine in machines:
        windows = slots.opening_windows(machine["opening_hours"])
        bookable = sum((close - open_) * weekday_counts[day] for day, (open_, close) in windows.items()) / 60
        entry = by_kind[machine["kind"]]
        entry["machines"] += 1
        entry["bookable_hours"] += bookable
        entry["booked_hours"] += booked.get(machine["id"], 0.0)
    kinds = [
        {
            "kind": kind,
            "machines": entry["machines"],
            "bookable_hours": round(entry["bookable_hours"], 2),
            "booked_hours": round(entry["booked_hours"], 2),
            "utilisation": slots.utilisation(entry["booked_hours"], entry["bookable_hours"]),
        }
        for kind, entry in sorted(by_kind.items())
    ]
    bookable_total = sum(entry["bookable_hours"] for entry in by_kind.values())
    booked_total = sum(entry["booked_hours"] for entry in by_kind.values())
    return {
        "date_from": date_from,
        "date_to": date_to,
        "machines": len(machines),
        "bookable_hours": round(bookable_total, 2),
        "booked_hours": round(booked_total, 2),
        "utilisation": slots.utilisation(booked_total, bookable_total),
        "by_kind": kinds,
    }
