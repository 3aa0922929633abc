import pytest

from services.models import Booking, Engagement, EngagementEvent, Machine, PartnerRating, Review
from tests.services.world import build_delivery
from tests.tenancy.world import World, _people

pytestmark = pytest.mark.django_db


def test_world_builds_every_delivery_model_in_cluster_a(client_for):
    world = World(a=_people("victim-a"), b=_people("attacker-b"))
    build_delivery(world)

    for model in (Engagement, EngagementEvent, Review, PartnerRating, Machine, Booking):
        assert model.objects.filter(cluster=world.a.cluster).exists(), model
    # An attacker from B sees none of A's private rows through A's URLs.
    client = client_for(world.b.admin)
    for path in ("engagements/", "bookings/", "moderation/machines/"):
        response = client.get(f"/api/v1/clusters/{world.a.cluster.slug}/{path}")
        assert response.status_code in (401, 403), path
    public = client.get(f"/api/v1/clusters/{world.a.cluster.slug}/machines/").json()
    assert {row["id"] for row in public["results"]} <= world.public_ids
