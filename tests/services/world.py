"""The services app's rows in the isolation world: cluster A's offerings in every state, revisions,
demands, and the delivery rows (engagements, reviews, ratings, machines, bookings)."""

from services.models import OfferingStatus, PartnerRating
from services.services.bookings import booking_create
from services.services.engagements import engagement_request, engagement_transition
from services.services.machines import machine_create
from services.services.offerings import offering_update
from services.services.reviews import review_create
from tests.services.factories import DemandFactory, MachineFactory, OfferingFactory, local_slot
from tests.tenancy.world import World


def build_catalog(world: World) -> None:
    a = world.a
    published = OfferingFactory(cluster=a.cluster, partner=a.partner, title="A集群MES云服务", tags=["MES"])
    world.public_ids.add(str(published.id))
    OfferingFactory(cluster=a.cluster, partner=a.partner, title="A集群草稿服务", status=OfferingStatus.DRAFT)
    OfferingFactory(
        cluster=a.cluster, partner=a.partner, title="A集群待审服务", status=OfferingStatus.PENDING
    )
    revised = OfferingFactory(cluster=a.cluster, partner=a.partner, title="A集群设备上云")
    world.public_ids.add(str(revised.id))
    offering_update(offering=revised, changes={"title": "A集群设备上云（修订）"}, by=a.partner_user)
    OfferingFactory(
        cluster=a.cluster,
        partner=a.partner,
        title="A集群被驳回服务",
        status=OfferingStatus.REJECTED,
        decision_reason="材料不全",
    )
    DemandFactory(cluster=a.cluster, sme=a.sme, title="A集群私有需求")
    DemandFactory(cluster=a.cluster, sme=a.sme, title="A集群公开需求", visible_to_partners=True)


def build_delivery(world: World) -> None:
    """Service-delivery rows in cluster A: engagements, events, reviews, ratings, machines, bookings."""
    a = world.a
    cluster = a.cluster
    offering = OfferingFactory(cluster=cluster, partner=a.partner, capacity=5)
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


def build(world: World) -> None:
    build_catalog(world)
    build_delivery(world)
    # Published offerings, reviews, ratings and machines name their partner enterprise.
    world.public_ids.add(str(world.a.partner.pk))
