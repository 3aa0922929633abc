"""The catalog's rows in the isolation world: cluster A's offerings in every state, revisions, demands."""

from services.models import OfferingStatus
from services.services.offerings import offering_update
from tests.services import world_delivery
from tests.services.factories import DemandFactory, OfferingFactory
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


def build(world: World) -> None:
    build_catalog(world)
    world_delivery.build(world)
    # Published offerings, reviews, ratings and machines name their partner enterprise.
    world.public_ids.add(str(world.a.partner.pk))
