import io

import pytest

from demo import delivery as demo_delivery
from enterprises.models import MembershipRole
from services.models import Booking, Engagement, EngagementEvent, Machine, Review
from services.selectors.machines import cluster_machine_utilisation
from tests.cluster_platform.factories import ClusterFactory
from tests.enterprises.factories import member_user
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def _counts():
    return tuple(m.objects.count() for m in (Machine, Booking, Engagement, EngagementEvent, Review))


def test_demo_seeds_the_wuxi_fleet_and_engagements_idempotently():
    wuxi = ClusterFactory(slug="wuxi-iot")
    partners = [member_user(wuxi, MembershipRole.PARTNER, industry_code="M73")[1] for _ in range(5)]
    for _ in range(4):
        member_user(wuxi, MembershipRole.SME)
    for partner in partners[:3]:
        OfferingFactory(cluster=wuxi, partner=partner, capacity=3)
    ClusterFactory(slug="gd-bags")  # no offerings: skipped and said so

    out = io.StringIO()
    demo_delivery.seed(stdout=out)
    first = _counts()
    demo_delivery.seed(stdout=io.StringIO())

    assert _counts() == first
    assert first[0] == demo_delivery.WUXI_FLEET_SIZE
    assert first[1] > 1000
    assert set(Engagement.objects.values_list("status", flat=True)) >= {
        "completed",
        "requested",
        "in_progress",
    }
    assert Review.objects.exists()
    assert "gd-bags: no published offerings" in out.getvalue()
    # No two slot-holding bookings of a machine overlap.
    holding = list(
        Booking.objects.filter(status__in=["requested", "confirmed"]).order_by("machine_id", "start")
    )
    for earlier, later in zip(holding, holding[1:], strict=False):
        if earlier.machine_id == later.machine_id:
            assert earlier.end <= later.start
    from django.utils import timezone

    today = timezone.localdate()
    summary = cluster_machine_utilisation(cluster=wuxi, date_from=today.replace(day=1), date_to=today)
    assert summary["machines"] > 700


def test_demo_without_clusters_says_so():
    out = io.StringIO()
    demo_delivery.seed(stdout=out)
    assert "wuxi-iot is missing" in out.getvalue()
    assert _counts() == (0, 0, 0, 0, 0)
