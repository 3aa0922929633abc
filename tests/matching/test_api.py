"""The matching API: who sees and does what, with no side effect when refused; query counts."""

import pytest

from matching.models import DEFAULT_WEIGHTS, MatchingWeights, MatchRun, Recommendation, RecommendationFeedback
from services.models import Engagement, EngagementStatus
from tests.cluster_platform.factories import ClusterFactory, staff_member
from tests.enterprises.factories import member_user
from tests.matching.factories import RecommendationFactory
from tests.services.factories import CategoryFactory, DemandFactory, OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    cluster = ClusterFactory()
    result = {"cluster": cluster}
    for role in ("admin", "operator", "viewer"):
        result[role] = staff_member(cluster, role)
    for name, role in (("sme", "sme"), ("other_sme", "sme"), ("partner", "partner")):
        result[f"{name}_user"], result[name] = member_user(cluster, role)
    result["outsider_user"] = staff_member(ClusterFactory())
    category = CategoryFactory(code="mes")
    result["offering"] = OfferingFactory(cluster=cluster, partner=result["partner"], category=category)
    result["demand"] = DemandFactory(cluster=cluster, sme=result["sme"], categories=[category])
    result["rec"] = RecommendationFactory(
        cluster=cluster,
        sme=result["sme"],
        demand=result["demand"],
        offering=result["offering"],
        score=0.8,
        contributions=[
            {
                "feature": "region",
                "value": 1.0,
                "weight": 0.15,
                "contribution": 0.15,
                "code": "region_district",
                "params": {},
                "reason": "same district",
            },
            {
                "feature": "industry",
                "value": 1.0,
                "weight": 0.2,
                "contribution": 0.2,
                "code": "industry_match",
                "params": {"industry": "C39"},
                "reason": "industry C39",
            },
        ],
    )
    result["proactive"] = RecommendationFactory(
        cluster=cluster, sme=result["sme"], offering=result["offering"], rank=1
    )
    result["others"] = RecommendationFactory(
        cluster=cluster, sme=result["other_sme"], offering=result["offering"]
    )
    return result


def who(people, role):
    return None if role == "anonymous" else people[f"{role}_user" if f"{role}_user" in people else role]


def base(people):
    return f"/api/v1/clusters/{people['cluster'].slug}"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("sme", 2),
        ("other_sme", 1),
        ("admin", 3),
        ("viewer", 3),
        ("partner", None),
        ("anonymous", None),
        ("outsider", None),
    ],
)
def test_who_sees_which_recommendations(people, client_for, role, expected):
    response = client_for(who(people, role)).get(f"{base(people)}/recommendations/")
    if expected is None:
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 200
        assert response.json()["count"] == expected


def test_recommendations_for_a_demand_and_proactive_with_explanation(people, client_for):
    client = client_for(people["sme_user"])
    response = client.get(f"{base(people)}/recommendations/", {"demand": str(people["demand"].pk)})
    (row,) = response.json()["results"]
    assert row["offering"]["id"] == str(people["offering"].pk)
    assert row["explanation"] == "same district +0.15, industry C39 +0.20"
    assert row["contributions"][1]["params"] == {"industry": "C39"}
    proactive = client.get(
        f"{base(people)}/recommendations/", {"sme": str(people["sme"].pk), "proactive": "true"}
    )
    assert [r["id"] for r in proactive.json()["results"]] == [str(people["proactive"].pk)]


def test_another_smes_recommendation_is_404(people, client_for):
    response = client_for(people["sme_user"]).get(f"{base(people)}/recommendations/{people['others'].pk}/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 403),
        ("viewer", 403),
        ("partner", 403),
        ("other_sme", 404),
        ("anonymous", 401),
        ("outsider", 403),
    ],
)
def test_only_the_sme_answers_its_recommendation(people, client_for, role, status):
    response = client_for(who(people, role)).post(
        f"{base(people)}/recommendations/{people['rec'].pk}/feedback/", {"kind": "interested"}
    )
    assert response.status_code == status
    assert not RecommendationFeedback.objects.exists()
    assert not Engagement.objects.exists()


def test_interested_sends_a_request_once(people, client_for):
    client = client_for(people["sme_user"])
    url = f"{base(people)}/recommendations/{people['rec'].pk}/feedback/"
    response = client.post(url, {"kind": "interested", "comment": "盼复"})
    assert response.status_code == 201
    engagement = Engagement.objects.get()
    assert response.json()["engagement"] == str(engagement.pk)
    assert (engagement.status, engagement.demand_id, engagement.message) == (
        EngagementStatus.REQUESTED,
        people["demand"].pk,
        "盼复",
    )
    again = client.post(url, {"kind": "interested"})
    assert again.status_code == 409
    assert Engagement.objects.count() == 1


def test_dismissal_needs_a_reason_and_removes_the_offering(people, client_for):
    client = client_for(people["sme_user"])
    url = f"{base(people)}/recommendations/{people['rec'].pk}/feedback/"
    missing = client.post(url, {"kind": "dismissed"})
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["attr"] == "reason"
    assert not RecommendationFeedback.objects.exists()
    bad = client.post(url, {"kind": "dismissed", "reason": "bored"})
    assert bad.status_code == 400
    ok = client.post(url, {"kind": "dismissed", "reason": "too_far"})
    assert ok.status_code == 201
    # Both of the SME's recommendations of that offering are gone; the other SME keeps its own.
    assert list(Recommendation.objects.values_list("pk", flat=True)) == [people["others"].pk]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 202),
        ("operator", 202),
        ("viewer", 403),
        ("sme", 403),
        ("partner", 403),
        ("anonymous", 401),
        ("outsider", 403),
    ],
)
def test_who_starts_a_match_run(people, client_for, role, status, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(who(people, role)).post(f"{base(people)}/match-runs/")
    assert response.status_code == status
    assert MatchRun.objects.count() == (1 if status == 202 else 0)
    if status == 202:
        body = response.json()
        assert body["status"] in ("pending", "completed")
        detail = client_for(people["viewer"]).get(f"{base(people)}/match-runs/{body['id']}/").json()
        assert detail["status"] == "completed"
        assert detail["progress"] == 1.0
        assert detail["subjects_total"] == 3  # one open demand, two SMEs
        assert detail["recommendations_count"] == Recommendation.objects.filter(run_id=body["id"]).count()


@pytest.mark.parametrize("role", ["sme", "partner", "anonymous"])
def test_runs_are_for_staff_eyes(people, client_for, role):
    assert client_for(who(people, role)).get(f"{base(people)}/match-runs/").status_code in (401, 403)


def test_weights_read_defaults_and_validated_change(people, client_for):
    url = f"{base(people)}/matching-weights/"
    assert client_for(people["viewer"]).get(url).json()["category"] == DEFAULT_WEIGHTS["category"]
    admin = client_for(people["admin"])
    too_big = admin.patch(url, {"category": 1.5})
    assert too_big.status_code == 400
    assert too_big.json()["errors"][0]["attr"] == "category"
    zeros = dict.fromkeys(DEFAULT_WEIGHTS, 0)
    all_zero = admin.put(url, {**zeros, "top_n": 10, "slots_per_capacity": 5})
    assert all_zero.status_code == 400
    assert admin.patch(url, {"top_n": 0}).status_code == 400
    assert not MatchingWeights.objects.exists()
    changed = admin.patch(url, {"region": 0.4, "top_n": 5})
    assert changed.status_code == 200
    weights = MatchingWeights.objects.get(cluster=people["cluster"])
    assert (weights.region, weights.top_n, weights.category) == (0.4, 5, DEFAULT_WEIGHTS["category"])


@pytest.mark.parametrize("role", ["viewer", "sme", "partner", "anonymous", "outsider"])
def test_weights_change_refused(people, client_for, role):
    response = client_for(who(people, role)).patch(f"{base(people)}/matching-weights/", {"region": 0.9})
    assert response.status_code in (401, 403)
    assert not MatchingWeights.objects.exists()


def test_funnel_per_category_and_partner(people, client_for):
    client = client_for(people["sme_user"])
    client.post(f"{base(people)}/recommendations/{people['rec'].pk}/feedback/", {"kind": "interested"})
    Engagement.objects.update(status=EngagementStatus.COMPLETED)
    response = client_for(people["viewer"]).get(f"{base(people)}/recommendations/funnel/")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == {"recommended": 2, "requested": 1, "completed": 1}
    assert body["by_category"] == [
        {
            "key": "mes",
            "name": people["offering"].category.name,
            "recommended": 2,
            "requested": 1,
            "completed": 1,
        }
    ]
    assert body["by_partner"][0]["key"] == str(people["partner"].pk)
    assert client_for(people["sme_user"]).get(f"{base(people)}/recommendations/funnel/").status_code == 403


def test_list_query_counts_do_not_grow(people, client_for, django_assert_max_num_queries):
    admin = client_for(people["admin"])
    for _ in range(8):
        offering = OfferingFactory(
            cluster=people["cluster"], partner=people["partner"], category=people["offering"].category
        )
        RecommendationFactory(cluster=people["cluster"], sme=people["sme"], offering=offering)
        MatchRun.objects.create(cluster=people["cluster"], trigger="manual")
    for path in ("recommendations/", "match-runs/", "recommendations/funnel/"):
        with django_assert_max_num_queries(12):
            assert admin.get(f"{base(people)}/{path}").status_code == 200
    with django_assert_max_num_queries(12) as captured:
        admin.get(f"{base(people)}/recommendations/", {"page_size": 2})
    small = len(captured.captured_queries)
    with django_assert_max_num_queries(small):
        admin.get(f"{base(people)}/recommendations/", {"page_size": 11})


def test_filters_do_not_reveal_whether_an_id_exists(people, client_for):
    import uuid

    client = client_for(people["sme_user"])
    for value in (str(uuid.uuid4()), str(people["other_sme"].pk)):
        response = client.get(f"{base(people)}/recommendations/", {"sme": value})
        assert response.status_code == 200
        assert response.json()["count"] == 0
