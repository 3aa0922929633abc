import datetime

import pytest
from django.utils import timezone

from policies import selectors
from tests.policies.factories import PolicyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    today = timezone.localdate()
    return {
        "iot_title": PolicyFactory(
            title="无锡市物联网产业发展三年行动计划",
            issuer="无锡市人民政府",
            level="municipal",
            region_code="320200",
            summary="推动传感器和物联网应用。",
            full_text="支持企业建设物联网平台。",
            categories=["innovation"],
            max_amount=3_000_000,
            published_on=datetime.date(2024, 1, 10),
        ),
        "iot_text": PolicyFactory(
            title="江苏省制造业智能化改造和数字化转型若干措施",
            issuer="江苏省人民政府办公厅",
            level="provincial",
            region_code="320000",
            summary="推进智能制造。",
            full_text="鼓励物联网、工业互联网在制造业中的应用，对数字化改造给予补贴。",
            categories=["digital", "subsidy"],
            max_amount=10_000_000,
            published_on=datetime.date(2025, 2, 1),
        ),
        "voucher": PolicyFactory(
            title="广州市中小企业数字化转型服务券实施细则",
            issuer="广州市工业和信息化局",
            level="municipal",
            region_code="440100",
            summary="向中小企业发放服务券，用于购买数字化服务。",
            full_text="服务券面额最高10万元。",
            categories=["voucher", "digital"],
            max_amount=100_000,
            application_opens=today - datetime.timedelta(days=5),
            application_closes=today + datetime.timedelta(days=20),
            published_on=datetime.date(2025, 6, 1),
        ),
        "tax": PolicyFactory(
            title="关于进一步完善研发费用税前加计扣除政策的公告",
            issuer="财政部 国家税务总局",
            summary="企业开展研发活动中实际发生的研发费用，按实际发生额的100%在税前加计扣除。",
            full_text="本公告自2023年1月1日起执行。",
            categories=["tax", "innovation"],
            benefit_type="tax_relief",
            max_amount=None,
            application_closes=today - datetime.timedelta(days=1),
            published_on=datetime.date(2023, 3, 26),
        ),
    }


def _titles(api_client, **params):
    body = api_client.get("/api/v1/policies/", params).json()
    return [row["title"] for row in body["results"]], body


def test_title_matches_rank_above_text_matches(api_client, library):
    titles, body = _titles(api_client, q="物联网")
    assert titles == [library["iot_title"].title, library["iot_text"].title]
    assert body["count"] == 2 and body["count_exact"] is True
    assert body["results"][0]["rank"] > body["results"][1]["rank"]


def test_every_word_of_the_query_is_required(api_client, library):
    titles, _ = _titles(api_client, q="数字化 服务券")
    assert titles == [library["voucher"].title]
    titles, _ = _titles(api_client, q="研发费用加计扣除")
    assert titles == [library["tax"].title]


def test_a_query_of_punctuation_finds_nothing(api_client, library):
    titles, body = _titles(api_client, q="，。！")
    assert titles == [] and body["count"] == 0


def test_filters_combine_with_search(api_client, library):
    assert _titles(api_client, q="数字化", level="municipal")[0] == [library["voucher"].title]
    assert _titles(api_client, category="tax")[0] == [library["tax"].title]
    assert set(_titles(api_client, issuer="人民政府")[0]) == {
        library["iot_title"].title,
        library["iot_text"].title,
    }
    assert _titles(api_client, open_now="true")[0] == [library["voucher"].title]
    assert _titles(api_client, amount_min="1000000", amount_max="5000000")[0] == [library["iot_title"].title]


def test_region_filter_keeps_policies_applicable_within_the_region(api_client, library):
    # A district of Wuxi: national, Jiangsu and Wuxi policies apply there.
    assert set(_titles(api_client, region="320214")[0]) == {
        library["iot_title"].title,
        library["iot_text"].title,
        library["tax"].title,
    }
    # Jiangsu as a whole also includes the policies of its cities.
    assert set(_titles(api_client, region="320000")[0]) == {
        library["iot_title"].title,
        library["iot_text"].title,
        library["tax"].title,
    }
    assert set(_titles(api_client, region="440000")[0]) == {library["voucher"].title, library["tax"].title}


def test_an_unknown_region_is_a_field_error(api_client, library):
    response = api_client.get("/api/v1/policies/", {"region": "999999"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "region"


def test_facets_count_levels_and_categories_of_the_matches(api_client, library):
    _, body = _titles(api_client, q="数字化")
    assert body["facets"]["level"] == {"provincial": 1, "municipal": 1}
    assert body["facets"]["category"] == {"digital": 2, "subsidy": 1, "voucher": 1}


def test_without_a_query_the_newest_come_first(api_client, library):
    titles, body = _titles(api_client)
    assert titles[0] == library["voucher"].title and titles[-1] == library["tax"].title
    assert body["count"] == 4 and body["facets"]["level"]["national"] == 1


def test_broad_queries_beyond_the_window_are_estimated_and_ordered_by_date(api_client, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_WINDOW", 5)
    for day in range(1, 13):
        PolicyFactory(published_on=datetime.date(2025, 1, day), document_number=f"测试〔2025〕{day}号")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE policies_policy")
    _, body = _titles(api_client, q="数字化")
    assert body["count_exact"] is False and body["count"] > 5
    dates = [row["published_on"] for row in body["results"]]
    assert dates == sorted(dates, reverse=True) and dates[0] == "2025-01-12"
    assert sum(body["facets"]["level"].values()) == body["count"]
    # A narrow query under the window stays exact and ranked.
    _, narrow = _titles(api_client, q="数字化", amount_min="1")
    assert narrow["count_exact"] is True


def test_page_beyond_the_results_is_a_404(api_client, library):
    assert api_client.get("/api/v1/policies/", {"page": 9}).status_code == 404
    second = api_client.get("/api/v1/policies/", {"page_size": 3, "page": 2}).json()
    assert len(second["results"]) == 1 and second["previous"] and second["next"] is None


def test_between_the_rank_and_count_windows_title_matches_come_first_then_newest(
    api_client, monkeypatch, library
):
    monkeypatch.setattr(selectors, "RANK_WINDOW", 1)
    newer_text_match = PolicyFactory(
        title="江苏省工业企业技术改造若干措施",
        document_number="苏政发〔2026〕1号",
        full_text="支持物联网改造。",
        published_on=datetime.date(2026, 1, 1),
    )
    titles, body = _titles(api_client, q="物联网")
    assert body["count_exact"] is True and body["results"][0]["rank"] is None
    assert titles == [library["iot_title"].title, newer_text_match.title, library["iot_text"].title]
