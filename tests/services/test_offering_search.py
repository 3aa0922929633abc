"""Chinese full-text search over the catalog, with offerings a real cluster would list."""

import pytest

from services.models import OfferingStatus
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db

CATALOG = {
    "mes": (
        "saas-mes",
        "MES制造执行系统云服务",
        "面向电子制造企业的生产管理系统，覆盖排产、报工、质量追溯",
        "支持SMT产线、MEMS封装测试车间的生产过程管控与设备数据采集。",
        ["MES", "生产管理"],
    ),
    "mes_consulting": (
        "smart-manufacturing-consulting",
        "智能工厂规划咨询",
        "数字化车间与智能工厂整体规划",
        "规划内容包括ERP、MES、WMS系统选型，设备联网方案，以及生产管理流程再造。",
        ["咨询"],
    ),
    "device_cloud": (
        "device-connectivity",
        "设备上云一站式服务",
        "PLC、数控机床、注塑机数据采集与上云",
        "提供边缘网关、协议解析和设备管理平台，实现设备状态实时监控。",
        ["设备联网"],
    ),
    "iot_platform": (
        "iot-platform",
        "物联网设备管理平台",
        "海量设备接入与远程运维",
        "支持MQTT、CoAP协议，设备上云后可进行远程升级、告警和能耗分析。",
        ["物联网"],
    ),
    "bags_erp": (
        "saas-erp",
        "箱包皮具行业ERP",
        "专为箱包企业打造的进销存与生产ERP",
        "覆盖款式BOM、面辅料采购、外发加工、订单跟踪和成本核算。",
        ["ERP", "箱包"],
    ),
    "textile_erp": (
        "saas-erp",
        "纺织服装ERP云平台",
        "服装企业订单、生产、库存一体化管理",
        "适用于服装、家纺企业，支持尺码色号矩阵、裁床管理。",
        ["ERP", "服装"],
    ),
    "bags_ecommerce": (
        "saas-ecommerce",
        "箱包跨境电商代运营",
        "帮助箱包企业开拓亚马逊、独立站渠道",
        "提供店铺运营、广告投放和海外仓服务。",
        ["跨境电商"],
    ),
    "security": (
        "security-assessment",
        "网络安全等级保护测评",
        "等保2.0测评与整改咨询",
        "为工业互联网平台和企业信息系统提供等级保护测评。",
        ["等保"],
    ),
    "vision": (
        "machine-vision",
        "AI视觉质检系统",
        "基于深度学习的外观缺陷检测",
        "适用于电子元器件、五金件、珠宝首饰的表面缺陷检测，可与MES系统对接。",
        ["机器视觉"],
    ),
}


@pytest.fixture
def catalog(cluster, partner):
    return {
        key: OfferingFactory(
            cluster=cluster,
            partner=partner.enterprise,
            category_id=category,
            title=title,
            summary=summary,
            description=description,
            tags=tags,
        )
        for key, (category, title, summary, description, tags) in CATALOG.items()
    }


def search(client, cluster, text, **params):
    response = client.get(f"/api/v1/clusters/{cluster.slug}/offerings/", {"q": text, **params})
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def keys(catalog, rows):
    by_id = {str(offering.id): key for key, offering in catalog.items()}
    return [by_id[row["id"]] for row in rows]


@pytest.mark.parametrize(
    "text, first",
    [
        ("MES", "mes"),
        ("mes", "mes"),
        ("Mes系统", "mes"),
        ("生产管理系统", "mes"),
        ("设备上云", "device_cloud"),
        ("箱包 ERP", "bags_erp"),
        ("箱包ERP", "bags_erp"),
        ("ERP 箱包", "bags_erp"),
        ("等保测评", "security"),
        ("缺陷检测", "vision"),
        ("物联网平台", "iot_platform"),
    ],
)
def test_queries_find_what_a_person_expects_first(api_client, cluster, catalog, text, first):
    rows = search(api_client, cluster, text)
    assert keys(catalog, rows)[0] == first


def test_mes_ranks_the_title_match_above_description_mentions(api_client, cluster, catalog):
    found = keys(catalog, search(api_client, cluster, "MES"))
    assert found[0] == "mes"
    assert set(found) == {"mes", "mes_consulting", "vision"}


def test_all_words_must_match(api_client, cluster, catalog):
    assert keys(catalog, search(api_client, cluster, "箱包 ERP")) == ["bags_erp"]
    found = keys(catalog, search(api_client, cluster, "设备上云"))
    assert found[:2] == ["device_cloud", "iot_platform"]


def test_falls_back_to_any_word_when_no_offering_has_all(api_client, cluster, catalog):
    found = keys(catalog, search(api_client, cluster, "箱包 区块链"))
    assert set(found) == {"bags_erp", "bags_ecommerce"}


def test_nothing_matches_nothing(api_client, cluster, catalog):
    assert search(api_client, cluster, "量子计算") == []
    assert search(api_client, cluster, "！？") == []


def test_search_shows_relevance_and_respects_visibility(api_client, cluster, partner, catalog):
    OfferingFactory(
        cluster=cluster, partner=partner.enterprise, title="MES草稿服务", status=OfferingStatus.DRAFT
    )
    rows = search(api_client, cluster, "MES")
    assert all(row["relevance"] > 0 for row in rows)
    assert "MES草稿服务" not in {row["title"] for row in rows}


def test_search_combines_with_filters_and_other_orderings(api_client, cluster, catalog):
    assert keys(catalog, search(api_client, cluster, "ERP", category="cloud-saas")) == [
        key for key in keys(catalog, search(api_client, cluster, "ERP")) if key in {"bags_erp", "textile_erp"}
    ]
    catalog["textile_erp"].rating_bayes = 4.8
    catalog["textile_erp"].save(update_fields=["rating_bayes"])
    assert keys(catalog, search(api_client, cluster, "ERP", ordering="rating"))[0] == "textile_erp"


def test_search_is_per_cluster(api_client, cluster, catalog, partner):
    other = OfferingFactory(partner=partner.enterprise, title="MES制造执行系统")
    rows = search(api_client, cluster, "MES")
    assert str(other.id) not in {row["id"] for row in rows}


def _found(text):
    from services.models import Offering
    from services.selectors.offerings import offering_search

    return set(offering_search(Offering.objects.all(), text=text).values_list("pk", flat=True))


def test_renaming_a_category_refreshes_its_offerings_search_text():
    from services.models import Category
    from services.services.offerings import category_rename

    child = Category.objects.filter(parent__isnull=False).order_by("code").first()
    offering = OfferingFactory(category=child, title="通用服务", summary="说明", description="", tags=[])
    assert offering.pk not in _found("量子孪生工坊")

    category_rename(category=child, name="量子孪生工坊", name_en=child.name_en)
    category_rename(category=child.parent, name="星链协同中心", name_en=child.parent.name_en)

    assert offering.pk in _found("量子孪生工坊")
    assert offering.pk in _found("星链协同中心")  # a child's offerings carry the parent's name too


def test_renaming_a_category_in_the_admin_refreshes_its_offerings(client):
    from django.contrib.auth import get_user_model

    from services.models import Category

    child = Category.objects.filter(parent__isnull=False).order_by("code").first()
    offering = OfferingFactory(category=child, title="通用服务", summary="说明", description="", tags=[])
    operator = get_user_model().objects.create_superuser(
        email="root@example.com", password="x-pass-2026-long"
    )
    client.force_login(operator)

    response = client.post(
        f"/admin/services/category/{child.pk}/change/",
        {
            "code": child.code,
            "parent": child.parent_id,
            "name": "量子孪生工坊",
            "name_en": child.name_en,
            "position": child.position,
        },
    )

    assert response.status_code == 302, response.content[:2000]
    assert offering.pk in _found("量子孪生工坊")
