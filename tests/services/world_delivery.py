"""Service-delivery rows in the isolation world's cluster A (engagements, events, reviews, ratings,
machines, bookings). Called by tests/services/world.py's build()."""

from services.models import PartnerRating
from services.services.bookings import booking_create
from services.services.engagements import engagement_request, engagement_transition
from services.services.machines import machine_create
from services.services.reviews import review_create
from tests.services.factories_delivery import MachineFactory, PublishedOfferingFactory, local_slot


def build(world) -> None:
    a = world.a
    cluster = a.cluster
    offering = PublishedOfferingFactory(cluster=cluster, partner=a.partner, membership=False, capacity=5)
    world.public_ids.add(str(offering.pk))

    done = engagement_request(cluster=cluster, offering=offering, sme=a.sme, by=a.sme_user, message="world")
    for action, user in (("accept", a.partner_user), ("start", a.partner_user), ("deliver", a.partner_user)):
        engagement_transition(cluster=cluster, engagement=done, action=action, by=user)
    engagement_transition(cluster=cluster, engagement=done, action="confirm", by=a.sme_user)
    done.refresh_from_db()
    review = review_create(cluster=cluster, engagement=done, rating=4, comment="world review", by=a.sme_user)
    world.public_ids.add(str(review.pk))
    world.public_ids.add(str(PartnerRating.objects.get(cluster=cluster, partner=a.partner).pk))
    # An open engagement too, so that every transition endpoint has a target.
    engagement_request(cluster=cluster, offering=offering, sme=a.sme, by=a.sme_user, message="world open")

    machine = MachineFactory(cluster=cluster, partner=a.partner, asset_code="WORLD-A-1")
    world.public_ids.add(str(machine.pk))
    machine_create(
        cluster=cluster,
        partner=a.partner,
        by=a.partner_user,
        data={
            "asset_code": "WORLD-A-PENDING",
            "name": "pending machine",
            "kind": "simulation",
            "model_name": "COMSOL cluster node",
            "location": "A",
            "hourly_rate": "100",
        },
    )
    start, end = local_slot(4, 10)
    booking_create(cluster=cluster, machine=machine, sme=a.sme, by=a.sme_user, start=start, end=end)
