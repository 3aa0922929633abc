"""Finding services by what an enterprise is: category, industry, size, region, price, voucher."""

from decimal import Decimal

import pytest

from services.models import PriceModel
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def found(client, cluster, **params):
    response = client.get(f"/api/v1/clusters/{cluster.slug}/offerings/", params)
    assert response.status_code == 200, response.json()
    return {row["title"] for row in response.json()["results"]}


@pytest.fixture
def offer(cluster, partner):
    def make(title, **fields):
        return OfferingFactory(cluster=cluster, partner=partner.enterprise, title=title, **fields)

    return make


def test_category_includes_subcategories(api_client, cluster, offer):
    offer("MES", category_id="saas-mes")
    offer("ERP", category_id="saas-erp")
    offer("网关", category_id="device-connectivity")
    assert found(api_client, cluster, category="cloud-saas") == {"MES", "ERP"}
    assert found(api_client, cluster, category="saas-erp") == {"ERP"}


def test_industry_matches_prefixes_and_untargeted(api_client, cluster, offer):
    offer("电子", target_industries=["C39"])
    offer("传感器", target_industries=["C3983"])
    offer("制造业通用", target_industries=["C"])
    offer("不限行业", target_industries=[])
    offer("箱包", target_industries=["C19"])
    assert found(api_client, cluster, industry="C3982") == {"电子", "制造业通用", "不限行业"}
    assert found(api_client, cluster, industry="C3983") == {"电子", "传感器", "制造业通用", "不限行业"}
    assert found(api_client, cluster, industry="I65") == {"不限行业"}


def test_an_offering_for_plastics_products_reaches_every_plastics_class(api_client, cluster, offer):
    offer("塑料制品", target_industries=["C292"])
    offer("纺织机械", target_industries=["C3551"])
    assert found(api_client, cluster, industry="C2927") == {"塑料制品"}
    assert found(api_client, cluster, industry="C3551") == {"纺织机械"}
    assert found(api_client, cluster, industry="C3552") == set()


def test_size_class(api_client, cluster, offer):
    offer("小微", target_size_classes=["small", "micro"])
    offer("不限规模")
    offer("大型", target_size_classes=["large"])
    assert found(api_client, cluster, size_class="micro") == {"小微", "不限规模"}


def test_region_served_includes_subdivisions_and_nationwide(api_client, cluster, offer):
    offer("江苏", regions_served=["320000"])
    offer("无锡", regions_served=["320200"])
    offer("新吴区", regions_served=["320214"])
    offer("全国")
    offer("广东", regions_served=["440000"])
    assert found(api_client, cluster, region="320214") == {"江苏", "无锡", "新吴区", "全国"}
    assert found(api_client, cluster, region="320200") == {"江苏", "无锡", "全国"}
    assert found(api_client, cluster, region="440300") == {"广东", "全国"}


def test_price_range(api_client, cluster, offer):
    offer("免费", price_model=PriceModel.FREE)
    offer("一口价", price_model=PriceModel.FIXED, price_min=Decimal(5000), price_max=Decimal(5000))
    offer("起价", price_model=PriceModel.FROM, price_min=Decimal(20000))
    offer("区间", price_model=PriceModel.QUOTE, price_min=Decimal(1000), price_max=Decimal(3000))
    offer("面议", price_model=PriceModel.QUOTE)
    assert found(api_client, cluster, price_max=6000) == {"免费", "一口价", "区间"}
    assert found(api_client, cluster, price_min=4000) == {"一口价", "起价"}
    assert found(api_client, cluster, price_min=2000, price_max=10000) == {"一口价", "区间"}


def test_delivery_mode_voucher_and_partner(api_client, cluster, offer, other_partner):
    offer("线上券", delivery_mode="online", voucher_eligible=True)
    offer("线下", delivery_mode="offline")
    OfferingFactory(cluster=cluster, partner=other_partner.enterprise, title="别家", delivery_mode="online")
    assert found(api_client, cluster, delivery_mode="online") == {"线上券", "别家"}
    assert found(api_client, cluster, voucher_eligible="true") == {"线上券"}
    assert found(api_client, cluster, partner=str(other_partner.enterprise.id)) == {"别家"}


def test_orderings(api_client, cluster, offer):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    offer("旧", published_at=now - timedelta(days=3), rating_bayes=4.9)
    offer("新", published_at=now, rating_bayes=3.0)
    offer("中", published_at=now - timedelta(days=1), rating_bayes=4.2)
    url = f"/api/v1/clusters/{cluster.slug}/offerings/"
    newest = [row["title"] for row in api_client.get(url).json()["results"]]
    assert newest == ["新", "中", "旧"]
    rated = [row["title"] for row in api_client.get(url, {"ordering": "rating"}).json()["results"]]
    assert rated == ["旧", "中", "新"]


@pytest.mark.parametrize(
    "params, attr",
    [
        ({"category": "nope"}, "category"),
        ({"industry": "Z1"}, "industry"),
        ({"region": "000000"}, "region"),
        ({"size_class": "huge"}, "size_class"),
        ({"price_max": "-5"}, "price_max"),
        ({"ordering": "cheapest"}, "ordering"),
        ({"partner": "not-a-uuid"}, "partner"),
    ],
)
def test_bad_filters_are_field_errors(api_client, cluster, params, attr):
    response = api_client.get(f"/api/v1/clusters/{cluster.slug}/offerings/", params)
    assert response.status_code == 400
    assert attr in {error["attr"] for error in response.json()["errors"]}


def test_categories_endpoint_is_public_flat_and_tree(api_client):
    response = api_client.get("/api/v1/service-categories/")
    assert response.status_code == 200
    rows = response.json()
    by_code = {row["code"]: row for row in rows}
    roots = [row["name"] for row in rows if row["parent"] is None]
    assert roots[:3] == ["数字化诊断咨询", "工业互联网平台", "云服务与SaaS"]
    assert len(roots) == 13
    assert by_code["saas-mes"]["parent"] == "cloud-saas"
    assert by_code["cloud-saas"]["name_en"] == "Cloud services and SaaS"
    assert {"saas-erp", "saas-mes", "saas-crm", "saas-scm", "saas-plm", "saas-oa"} <= set(by_code)

    tree = api_client.get("/api/v1/service-categories/tree/").json()
    cloud = next(node for node in tree if node["code"] == "cloud-saas")
    assert [child["code"] for child in cloud["children"]][:6] == [
        "saas-erp",
        "saas-mes",
        "saas-crm",
        "saas-scm",
        "saas-plm",
        "saas-oa",
    ]
    assert api_client.get("/api/v1/service-categories/saas-mes/").json()["name"] == "MES制造执行系统"


def test_taxonomy_loader_is_idempotent():
    from services.models import Category
    from services.taxonomy import category_tree_sync

    count = Category.objects.count()
    assert category_tree_sync(Category) == 0
    Category.objects.filter(code="saas-mes").update(name="旧名称")
    assert category_tree_sync(Category) == 1
    assert Category.objects.get(code="saas-mes").name == "MES制造执行系统"
    assert Category.objects.count() == count
