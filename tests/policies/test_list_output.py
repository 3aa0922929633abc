"""The policy list's output: facets counted in the database, the fast serializer path, languages,
and what a page reads."""

from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework import serializers

from policies import selectors
from policies.api.serializers.library import PolicyListSerializer
from policies.models import Policy
from tests.policies.factories import PolicyFactory

pytestmark = pytest.mark.django_db

CATEGORY_SETS = [
    ["tax", "digital"],
    ["subsidy"],
    ["digital", "subsidy", "talent"],
    ["green"],
    ["talent", "tax"],
    ["finance", "green", "subsidy"],
    [],
]
LEVELS = ["provincial", "national", "district", "municipal", "national", "district", "provincial"]


@pytest.fixture
def tied_library():
    """Policies whose levels and categories tie in count, so that the order of ties shows."""
    return [
        PolicyFactory(level=level, categories=codes, document_number=f"并列〔2025〕{n}号")
        for n, (level, codes) in enumerate(zip(LEVELS, CATEGORY_SETS, strict=True))
    ]


def _counted_row_by_row(limit: int) -> tuple[Counter, Counter, int]:
    """The facets as counting the window's rows in Python gives them, ties in order of appearance."""
    rows = list(
        selectors.policy_library_list(user=None)
        .order_by()
        .values_list("level", "categories")[: selectors.SEARCH_WINDOW + 1]
    )
    window = rows[:limit]
    levels = Counter(level for level, _ in window)
    categories = Counter(code for _, codes in window for code in codes)
    return levels, categories, len(rows)


def test_exact_facets_equal_row_by_row_counting_with_ties_in_order_of_appearance(api_client, tied_library):
    body = api_client.get("/api/v1/policies/").json()
    levels, categories, size = _counted_row_by_row(selectors.SEARCH_WINDOW)
    assert body["count"] == size == 7 and body["count_exact"] is True
    assert list(body["facets"]["level"].items()) == levels.most_common()
    assert list(body["facets"]["category"].items()) == categories.most_common()


def test_estimated_facets_are_the_scaled_window(api_client, tied_library, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_WINDOW", 4)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE policies_policy")
    body = api_client.get("/api/v1/policies/").json()
    assert body["count_exact"] is False and body["count"] >= 5
    levels, categories, size = _counted_row_by_row(4)
    assert size == 5
    scale = body["count"] / 4
    assert (
        list(body["facets"]["level"].items())
        == Counter({key: round(value * scale) for key, value in levels.items()}).most_common()
    )
    assert (
        list(body["facets"]["category"].items())
        == Counter({key: round(value * scale) for key, value in categories.items()}).most_common()
    )


def test_no_match_has_empty_facets(api_client, tied_library):
    body = api_client.get("/api/v1/policies/", {"q": "不存在的词语组合", "level": "national"}).json()
    assert body["count"] == 0 and body["facets"] == {"level": {}, "category": {}}


def test_policy_list_output_is_what_plain_drf_gives(tied_library):
    PolicyFactory(region_code="320214", level="district", max_amount=250_000, document_number="区〔2025〕1号")
    policies = list(Policy.objects.order_by("id"))
    for language in ("zh-hans", "en"):
        with translation.override(language):
            serializer = PolicyListSerializer(context={})
            for policy in policies:
                fast = serializer.to_representation(policy)
                plain = serializers.Serializer.to_representation(serializer, policy)
                assert fast == plain and list(fast) == list(plain)


def test_labels_and_region_names_follow_each_requests_language(api_client):
    PolicyFactory(categories=["voucher"], region_code="")
    for language, label, region in (("en", "Service vouchers", "Nationwide"), ("zh-hans", "服务券", "全国")):
        row = api_client.get("/api/v1/policies/", HTTP_ACCEPT_LANGUAGE=language).json()["results"][0]
        assert row["category_labels"] == [label] and row["region_name"] == region


def test_a_page_reads_neither_full_texts_nor_search_vectors(api_client, tied_library):
    with CaptureQueriesContext(connection) as captured:
        assert api_client.get("/api/v1/policies/", {"region": "320214"}).json()["count"] == 7
    page = captured.captured_queries[-1]["sql"]
    assert '"policies_policy"."title"' in page
    for column in ("full_text", "search_vector", "eligibility_rule"):
        assert f'"policies_policy"."{column}"' not in page
