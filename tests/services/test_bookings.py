from datetime import timedelta

import pytest
from django.utils import timezone

from services.models import Booking
from tests.services.delivery_scene import ROLES, build_scene
from tests.services.factories import BookingFactory, MachineFactory, local_slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return build_scene()


def _book(client_for, scene, start, end, user=None, machine=None, **extra):
    return client_for(user or scene.sme_user).post(
        scene.url("bookings/"),
        {
            "machine": str((machine or scene.machine).pk),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "purpose": "加速度计晶圆级测试",
            **extra,
        },
        format="json",
    )


def test_sme_books_a_free_slot_and_the_partner_confirms(client_for, scene):
    start, end = local_slot(3, 9, hours=2)
    response = _book(client_for, scene, start, end)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["hourly_rate"], body["allowed_actions"]) == (
        "requested",
        "380.00",
        ["cancel"],
    )

    confirmed = client_for(scene.partner_user).post(scene.url(f"bookings/{body['id']}/confirm/"), {})
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["allowed_actions"] == ["cancel"]


def test_overlapping_booking_is_a_conflict_but_adjacent_is_fine(client_for, scene):
    start, end = local_slot(3, 9, hours=2)
    assert _book(client_for, scene, start, end).status_code == 201

    overlap = _book(
        client_for, scene, start + timedelta(hours=1), end + timedelta(hours=1), user=scene.other_sme_user
    )
    assert overlap.status_code == 409
    adjacent = _book(client_for, scene, end, end + timedelta(minutes=30), user=scene.other_sme_user)
    assert adjacent.status_code == 201
    assert Booking.objects.count() == 2


def test_a_declined_or_cancelled_booking_frees_its_slot(client_for, scene):
    start, end = local_slot(3, 9)
    BookingFactory(machine=scene.machine, sme=scene.other_sme, start=start, end=end, status="declined")
    BookingFactory(machine=scene.machine, sme=scene.other_sme, start=start, end=end, status="cancelled")
    assert _book(client_for, scene, start, end).status_code == 201


@pytest.mark.parametrize(
    ("slot", "attr"),
    [
        (lambda: local_slot(-1, 9), "start"),  # past
        (lambda: local_slot(3, 9, minute=15), "start"),  # off-grid
        (lambda: local_slot(3, 7), "start"),  # before opening
        (lambda: local_slot(3, 19, hours=2), "end"),  # past closing
        (lambda: tuple(reversed(local_slot(3, 9))), "end"),
        (lambda: local_slot(400, 9), "start"),  # beyond the horizon
    ],
)
def test_bad_slots_are_field_errors_and_write_nothing(client_for, scene, slot, attr):
    start, end = slot()
    response = _book(client_for, scene, start, end)
    assert response.status_code == 400
    assert attr in {e["attr"] for e in response.json()["errors"]}
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("machine", "nope"),
        ("machine", "00000000-0000-0000-0000-000000000000"),
        ("start", "tomorrow"),
        ("purpose", "x" * 501),
    ],
)
def test_bad_booking_input(client_for, scene, field, value):
    start, end = local_slot(3, 9)
    body = {
        "machine": str(scene.machine.pk),
        "start": start.isoformat(),
        "end": end.isoformat(),
        field: value,
    }
    response = client_for(scene.sme_user).post(scene.url("bookings/"), body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == field
    assert not Booking.objects.exists()


def test_unapproved_or_offline_machines_cannot_be_booked(client_for, scene):
    start, end = local_slot(3, 9)
    pending = MachineFactory(cluster=scene.cluster, partner=scene.partner, approval="pending")
    response = _book(client_for, scene, start, end, machine=pending)
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "machine"
    scene.machine.status = "maintenance"
    scene.machine.save()
    # An offline machine is not in the public catalog: not found for the SME.
    assert _book(client_for, scene, start, end).status_code == 400
    assert not Booking.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_sme_members_book(client_for, scene, role):
    start, end = local_slot(3, 9)
    response = (
        _book(client_for, scene, start, end, user=scene.user(role) or None)
        if role != "anonymous"
        else (
            client_for(None).post(scene.url("bookings/"), {"machine": str(scene.machine.pk)}, format="json")
        )
    )
    if role in ("sme", "other_sme"):
        assert response.status_code == 201
    else:
        assert response.status_code in (401, 403)
        assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("status", "role", "action", "body", "expected", "result"),
    [
        ("requested", "partner", "confirm", {}, 200, "confirmed"),
        ("requested", "partner", "decline", {}, 200, "declined"),
        ("requested", "sme", "cancel", {}, 200, "cancelled"),
        ("confirmed", "sme", "cancel", {}, 200, "cancelled"),
        ("confirmed", "partner", "cancel", {"reason": "设备突发故障"}, 200, "cancelled"),
        ("confirmed", "partner", "cancel", {}, 400, "confirmed"),
        ("requested", "partner", "cancel", {}, 409, "requested"),
        ("confirmed", "partner", "confirm", {}, 409, "confirmed"),
        ("declined", "sme", "cancel", {}, 409, "declined"),
        ("requested", "sme", "confirm", {}, 403, "requested"),
        ("requested", "other_partner", "confirm", {}, 404, "requested"),
        ("requested", "other_sme", "cancel", {}, 404, "requested"),
        ("requested", "admin", "confirm", {}, 403, "requested"),
        ("requested", "viewer", "cancel", {}, 403, "requested"),
        ("requested", "anonymous", "cancel", {}, 401, "requested"),
    ],
)
def test_booking_transitions(client_for, scene, status, role, action, body, expected, result):
    booking = BookingFactory(machine=scene.machine, sme=scene.sme, status=status)
    response = client_for(scene.user(role)).post(scene.url(f"bookings/{booking.pk}/{action}/"), body)
    assert response.status_code in ({expected, 403} if expected == 401 else {expected}), response.json()
    booking.refresh_from_db()
    assert booking.status == result


def test_nobody_cancels_a_started_slot(client_for, scene):
    booking = BookingFactory(machine=scene.machine, sme=scene.sme, status="confirmed")
    Booking.objects.filter(pk=booking.pk).update(
        start=timezone.now() - timedelta(hours=1), end=timezone.now() + timedelta(hours=1)
    )
    response = client_for(scene.sme_user).post(scene.url(f"bookings/{booking.pk}/cancel/"), {})
    assert response.status_code == 409
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_each_side_sees_its_bookings(client_for, scene):
    mine = BookingFactory(machine=scene.machine, sme=scene.sme)
    other_machine = MachineFactory(cluster=scene.cluster, partner=scene.other_partner)
    theirs = BookingFactory(machine=other_machine, sme=scene.other_sme)

    def ids(role):
        return {
            row["id"] for row in client_for(scene.user(role)).get(scene.url("bookings/")).json()["results"]
        }

    assert ids("sme") == {str(mine.pk)}
    assert ids("partner") == {str(mine.pk)}
    assert ids("other_partner") == {str(theirs.pk)}
    assert ids("viewer") == {str(mine.pk), str(theirs.pk)}
    assert client_for(scene.outsider).get(scene.url("bookings/")).status_code == 403


def test_calendar_shows_busy_slots_to_all_and_details_to_those_involved(client_for, scene):
    start, end = local_slot(2, 10, hours=2)
    mine = BookingFactory(machine=scene.machine, sme=scene.sme, start=start, end=end, status="confirmed")
    BookingFactory(machine=scene.machine, sme=scene.other_sme, start=end, end=end + timedelta(hours=1))
    BookingFactory(
        machine=scene.machine,
        sme=scene.other_sme,
        start=end + timedelta(hours=2),
        end=end + timedelta(hours=3),
        status="cancelled",
    )
    day = start.date().isoformat()
    url = scene.url(f"machines/{scene.machine.pk}/calendar/?date_from={day}&date_to={day}")

    public = client_for(None).get(url).json()
    assert len(public["open"]) == 1 and len(public["busy"]) == 2
    assert public["bookings"] == []
    assert [b["id"] for b in client_for(scene.sme_user).get(url).json()["bookings"]] == [str(mine.pk)]
    assert len(client_for(scene.partner_user).get(url).json()["bookings"]) == 2

    bad = client_for(None).get(
        scene.url(f"machines/{scene.machine.pk}/calendar/?date_from={day}&date_to=2000-01-01")
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "date_to"


def test_utilisation_per_machine_and_per_cluster(client_for, scene):
    start, _ = local_slot(1, 8)
    # Two confirmed hours plus one requested hour (not counted) on a machine open 12 h a day.
    BookingFactory(
        machine=scene.machine, sme=scene.sme, start=start, end=start + timedelta(hours=2), status="confirmed"
    )
    BookingFactory(
        machine=scene.machine, sme=scene.sme, start=start + timedelta(hours=3), end=start + timedelta(hours=4)
    )
    second = MachineFactory(cluster=scene.cluster, partner=scene.other_partner, kind="packaging")
    BookingFactory(
        machine=second, sme=scene.sme, start=start, end=start + timedelta(hours=6), status="confirmed"
    )
    MachineFactory(cluster=scene.cluster, partner=scene.other_partner, approval="pending")
    day = start.date().isoformat()
    query = f"?date_from={day}&date_to={day}"

    one = client_for(scene.partner_user).get(scene.url(f"machines/{scene.machine.pk}/utilisation/{query}"))
    assert one.status_code == 200
    assert one.json() | {"machine": None} == {
        "machine": None,
        "date_from": day,
        "date_to": day,
        "bookable_hours": 12.0,
        "booked_hours": 2.0,
        "utilisation": round(2 / 12, 4),
    }
    total = client_for(scene.viewer).get(scene.url(f"machines/utilisation/{query}")).json()
    assert (total["machines"], total["bookable_hours"], total["booked_hours"]) == (2, 24.0, 8.0)
    assert {k["kind"]: k["booked_hours"] for k in total["by_kind"]} == {"packaging": 6.0, "test": 2.0}

    assert (
        client_for(scene.other_partner_user)
        .get(scene.url(f"machines/{scene.machine.pk}/utilisation/"))
        .status_code
        == 403
    )
    assert client_for(scene.partner_user).get(scene.url("machines/utilisation/")).status_code == 403
    assert client_for(None).get(scene.url(f"machines/{scene.machine.pk}/utilisation/")).status_code in (
        401,
        403,
    )


def test_booking_list_query_count_does_not_grow(client_for, scene, django_assert_max_num_queries):
    def add(n, offset):
        for i in range(n):
            start, end = local_slot(2 + offset + i, 9)
            BookingFactory(machine=scene.machine, sme=scene.sme, start=start, end=end)

    add(2, 0)
    client = client_for(scene.partner_user)
    with django_assert_max_num_queries(10) as small:
        client.get(scene.url("bookings/"))
    add(10, 5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(scene.url("bookings/")).json()["count"] == 12


def test_machine_of_another_cluster_cannot_be_booked(client_for, scene):
    elsewhere = build_scene()
    start, end = local_slot(3, 9)
    response = _book(client_for, scene, start, end, machine=elsewhere.machine)
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "machine"
    assert not Booking.objects.exists()


def test_service_refuses_a_machine_that_went_offline_meanwhile(scene):
    from cluster_platform.exceptions import Conflict
    from services.services.bookings import booking_create

    start, end = local_slot(3, 9)
    stale = scene.machine
    type(stale).objects.filter(pk=stale.pk).update(status="maintenance")
    with pytest.raises(Conflict):
        booking_create(
            cluster=scene.cluster, machine=stale, sme=scene.sme, by=scene.sme_user, start=start, end=end
        )
    assert not Booking.objects.exists()


def test_calendar_query_count_does_not_grow(client_for, scene, django_assert_max_num_queries):
    def add(hours):
        for hour in hours:
            start, end = local_slot(2, hour)
            BookingFactory(machine=scene.machine, sme=scene.sme, start=start, end=end)

    day = local_slot(2, 8)[0].date().isoformat()
    url = scene.url(f"machines/{scene.machine.pk}/calendar/?date_from={day}&date_to={day}")
    client = client_for(scene.partner_user)
    add([8, 9])
    with django_assert_max_num_queries(10) as small:
        client.get(url)
    add(range(10, 20))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(url).json()["bookings"]) == 12
