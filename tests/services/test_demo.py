"""The demo catalog seed: sizes, idempotency, and the no-partner case."""

import io

import pytest

from demo.catalog import seed
from enterprises.models import MembershipRole
from services.models import Demand, Offering, OfferingStatus
from tests.cluster_platform.factories import ClusterFactory
from tests.enterprises.factories import EnterpriseFactory, MembershipFactory

pytestmark = pytest.mark.django_db

GD = ["gd-bags", "gd-textiles", "gd-cosmetics", "gd-jewellery", "gd-food", "gd-furniture"]


def _members(cluster, role, count):
    for _ in range(count):
        MembershipFactory(
            cluster=cluster,
            enterprise=EnterpriseFactory(),
            role=role,
            partner_tier="certified" if role == MembershipRole.PARTNER else "",
        )


def test_seed_builds_the_demo_catalog_once():
    wuxi = ClusterFactory(slug="wuxi-iot", region_code="320214")
    _members(wuxi, MembershipRole.PARTNER, 5)
    _members(wuxi, MembershipRole.SME, 3)
    for slug in GD[:-1]:
        cluster = ClusterFactory(slug=slug, region_code="440100")
        _members(cluster, MembershipRole.PARTNER, 2)
        _members(cluster, MembershipRole.SME, 1)
    ClusterFactory(slug="gd-furniture", region_code="441900")  # no partners yet

    out = io.StringIO()
    seed(stdout=out)
    wuxi_offerings = Offering.objects.filter(cluster__slug="wuxi-iot")
    assert wuxi_offerings.count() == 117
    assert {o.delivery_mode for o in wuxi_offerings} == {"online", "offline", "hybrid"}
    published = wuxi_offerings.filter(status=OfferingStatus.PUBLISHED).count()
    assert 95 <= published < 117
    assert wuxi_offerings.filter(status=OfferingStatus.PENDING).exists()
    assert not wuxi_offerings.filter(search_vector__isnull=True).exists()
    gd = Offering.objects.filter(cluster__slug__in=GD)
    assert gd.count() == 40  # 47 minus gd-furniture's 7, which has no partner
    assert "gd-furniture has no approved partner members" in out.getvalue()
    assert Demand.objects.filter(cluster__slug="wuxi-iot").count() == 6

    snapshot = sorted(Offering.objects.values_list("id", "title", "status", "price_min", "published_at"))
    demands = Demand.objects.count()
    seed(stdout=io.StringIO())
    assert (
        sorted(Offering.objects.values_list("id", "title", "status", "price_min", "published_at")) == snapshot
    )
    assert Demand.objects.count() == demands


def test_seed_makes_47_guangdong_services_with_partners_everywhere():
    for slug in GD:
        cluster = ClusterFactory(slug=slug, region_code="440100")
        _members(cluster, MembershipRole.PARTNER, 2)
    seed(stdout=io.StringIO())
    assert Offering.objects.filter(cluster__slug__in=GD).count() == 47
    assert not Offering.objects.filter(cluster__slug="wuxi-iot").exists()


def test_demo_catalog_search_finds_the_obvious_services_first(api_client):
    wuxi = ClusterFactory(slug="wuxi-iot", region_code="320214")
    _members(wuxi, MembershipRole.PARTNER, 4)
    bags = ClusterFactory(slug="gd-bags", region_code="440100")
    _members(bags, MembershipRole.PARTNER, 2)
    seed(stdout=io.StringIO())

    def titles(cluster, text):
        response = api_client.get(f"/api/v1/clusters/{cluster.slug}/offerings/", {"q": text, "page_size": 5})
        return [row["title"] for row in response.json()["results"]]

    assert all("MES" in title for title in titles(wuxi, "MES")[:3])
    assert titles(wuxi, "设备上云")[0].startswith("设备上云一站式服务")
    assert "MEMS" in titles(wuxi, "mems")[0]
    assert titles(bags, "箱包 ERP")[0] == "箱包皮具行业ERP"
