"""Concurrency guarantees on real PostgreSQL: threads, each with its own database connection."""

from datetime import timedelta

import pytest

from cluster_platform.exceptions import Conflict
from enterprises.models import MembershipRole
from services.models import Booking, Engagement
from services.services.bookings import booking_create
from services.services.engagements import engagement_transition
from tests.enterprises.factories import member_user
from tests.services.delivery_scene import build_scene
from tests.services.factories import EngagementFactory, local_slot
from tests.utils import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_accepts_cannot_exceed_capacity():
    scene = build_scene(capacity=1)
    requests = [
        EngagementFactory(offering=scene.offering, sme=member_user(scene.cluster, MembershipRole.SME)[1])
        for _ in range(6)
    ]

    results = race(
        *[
            lambda e=engagement: engagement_transition(
                cluster=scene.cluster, engagement=e, action="accept", by=scene.partner_user
            )
            for engagement in requests
        ]
    )

    winners = [r for r in results if isinstance(r, Engagement)]
    assert len(winners) == 1, results
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, Engagement)), results
    assert Engagement.objects.filter(offering=scene.offering, status="accepted").count() == 1


def test_twenty_concurrent_conflicting_bookings_exactly_one_wins():
    scene = build_scene()
    smes = [member_user(scene.cluster, MembershipRole.SME) for _ in range(4)]
    base_start, _ = local_slot(5, 10)
    # Twenty different slots that all cover 11:00-11:30, so any two of them overlap.
    slots = [
        (base_start + timedelta(minutes=30 * (i % 3)), base_start + timedelta(minutes=30 * (3 + i % 4)))
        for i in range(20)
    ]

    results = race(
        *[
            lambda i=i, slot=slot: booking_create(
                cluster=scene.cluster,
                machine=scene.machine,
                sme=smes[i % 4][1],
                by=smes[i % 4][0],
                start=slot[0],
                end=slot[1],
            )
            for i, slot in enumerate(slots)
        ]
    )

    winners = [r for r in results if isinstance(r, Booking)]
    assert len(winners) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 19, results
    assert Booking.objects.filter(machine=scene.machine).count() == 1


def test_concurrent_bookings_of_disjoint_slots_all_succeed():
    scene = build_scene()
    sme_user, sme = member_user(scene.cluster, MembershipRole.SME)
    day_start, _ = local_slot(6, 8)
    results = race(
        *[
            lambda h=h: booking_create(
                cluster=scene.cluster,
                machine=scene.machine,
                sme=sme,
                by=sme_user,
                start=day_start + timedelta(hours=h),
                end=day_start + timedelta(hours=h + 1),
            )
            for h in range(8)
        ]
    )
    assert all(isinstance(r, Booking) for r in results), results
