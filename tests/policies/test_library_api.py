import pytest

from cluster_platform.models import AuditLog, StaffRole
from policies.models import Policy, PolicyStatus
from tests.cluster_platform.factories import ClusterFactory, UserFactory, staff_member
from tests.enterprises.factories import member_user
from tests.policies.factories import PolicyFactory

pytestmark = pytest.mark.django_db

NEW_POLICY = {
    "title": "新吴区物联网企业数字化改造补贴办法",
    "document_number": "新吴经发〔2025〕3号",
    "issuer": "无锡市新吴区经济发展局",
    "level": "district",
    "region_code": "320214",
    "categories": ["digital", "subsidy"],
    "summary": "对区内物联网企业的数字化改造项目给予补贴。",
    "benefit_type": "subsidy",
    "max_amount": "500000.00",
    "application_opens": "2025-04-01",
    "application_closes": "2025-06-30",
}


def _ids(response):
    return {row["id"] for row in response.json()["results"]}


def test_cluster_view_shows_library_policies_covering_its_region_and_its_own(client_for, wuxi_cluster):
    covering = {
        "national": PolicyFactory(),
        "jiangsu": PolicyFactory(level="provincial", region_code="320000", issuer="江苏省工业和信息化厅"),
        "wuxi": PolicyFactory(level="municipal", region_code="320200", issuer="无锡市工业和信息化局"),
        "xinwu": PolicyFactory(level="district", region_code="320214", issuer="无锡市新吴区经济发展局"),
    }
    elsewhere = [
        PolicyFactory(level="provincial", region_code="440000", issuer="广东省工业和信息化厅"),
        PolicyFactory(level="municipal", region_code="320500", issuer="苏州市工业和信息化局"),
        PolicyFactory(level="district", region_code="320213", issuer="无锡市梁溪区科技局"),
        PolicyFactory(status=PolicyStatus.DRAFT),
        PolicyFactory(status=PolicyStatus.EXPIRED),
    ]
    own = PolicyFactory(cluster=wuxi_cluster, level="district", region_code="320214", issuer="集群促进中心")
    own_draft = PolicyFactory(cluster=wuxi_cluster, status=PolicyStatus.DRAFT, issuer="集群促进中心")
    other_cluster = ClusterFactory(region_code="320214")
    other_local = PolicyFactory(
        cluster=other_cluster, level="district", region_code="320214", issuer="另一个中心"
    )

    url = f"/api/v1/clusters/{wuxi_cluster.slug}/policies/"
    public = _ids(client_for(None).get(url))
    assert public == {str(p.id) for p in covering.values()} | {str(own.id)}
    assert not public & {str(p.id) for p in [*elsewhere, own_draft, other_local]}

    viewer = staff_member(wuxi_cluster, StaffRole.VIEWER)
    assert _ids(client_for(viewer).get(url)) == public | {str(own_draft.id)}
    # Another cluster's draft is not even retrievable by id.
    assert client_for(viewer).get(f"{url}{other_local.id}/").status_code == 404
    assert client_for(None).get(f"{url}{own_draft.id}/").status_code == 404


def test_platform_library_is_public_for_published_and_complete_for_operators(
    client_for, platform_operator, cluster
):
    published, draft = PolicyFactory(), PolicyFactory(status=PolicyStatus.DRAFT)
    local = PolicyFactory(cluster=cluster)
    assert _ids(client_for(None).get("/api/v1/policies/")) == {str(published.id)}
    assert _ids(client_for(platform_operator).get("/api/v1/policies/")) == {str(published.id), str(draft.id)}
    assert client_for(None).get(f"/api/v1/policies/{draft.id}/").status_code == 404
    assert client_for(None).get(f"/api/v1/policies/{local.id}/").status_code == 404
    detail = client_for(None).get(f"/api/v1/policies/{published.id}/").json()
    assert detail["full_text"] and detail["region_name"]


def test_operator_creates_and_publishes_a_library_policy(client_for, platform_operator):
    client = client_for(platform_operator)
    response = client.post("/api/v1/policies/", NEW_POLICY, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["cluster"] is None
    assert body["category_labels"] == ["数字化转型", "资金补贴"]
    assert client_for(None).get(f"/api/v1/policies/{body['id']}/").status_code == 404
    published = client.post(f"/api/v1/policies/{body['id']}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert client_for(None).get(f"/api/v1/policies/{body['id']}/").status_code == 200
    again = client.post(f"/api/v1/policies/{body['id']}/publish/")
    assert again.status_code == 409


@pytest.mark.parametrize("role", ["anonymous", "member", "cluster_admin"])
def test_only_operators_write_the_library(client_for, cluster, role):
    policy = PolicyFactory(status=PolicyStatus.DRAFT)
    user = {
        "anonymous": None,
        "member": member_user(cluster).user,
        "cluster_admin": staff_member(cluster),
    }[role]
    client = client_for(user)
    expected = 401 if user is None else 403
    assert client.post("/api/v1/policies/", NEW_POLICY, format="json").status_code == expected
    assert client.patch(f"/api/v1/policies/{policy.id}/", {"title": "x"}, format="json").status_code in (
        expected,
        404,
    )
    assert client.post(f"/api/v1/policies/{policy.id}/publish/").status_code in (expected, 404)
    assert client.delete(f"/api/v1/policies/{policy.id}/").status_code in (expected, 404)
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.DRAFT and policy.title != "x"
    assert Policy.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("region_code", "320200"),  # a city code for a district policy
        ("region_code", "999999"),
        ("categories", ["lottery"]),
        ("application_closes", "2025-01-01"),  # before it opens
        ("max_amount", "-5"),
        ("level", "galactic"),
    ],
)
def test_bad_input_answers_a_field_error_and_writes_nothing(client_for, platform_operator, field, value):
    response = client_for(platform_operator).post(
        "/api/v1/policies/", NEW_POLICY | {field: value}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert {error["attr"].split(".")[0] for error in response.json()["errors"]} == {field}
    assert not Policy.objects.exists()


def test_a_second_policy_with_the_same_issuer_and_number_conflicts(client_for, platform_operator):
    client = client_for(platform_operator)
    assert client.post("/api/v1/policies/", NEW_POLICY, format="json").status_code == 201
    duplicate = NEW_POLICY | {"title": "另一个标题", "document_number": "新吴经发[2025]3号"}
    assert client.post("/api/v1/policies/", duplicate, format="json").status_code == 409
    assert Policy.objects.count() == 1


@pytest.mark.parametrize("role", ["admin", "operator"])
def test_agency_staff_author_publish_and_audit_local_policies(client_for, wuxi_cluster, role):
    user = staff_member(wuxi_cluster, role)
    client = client_for(user)
    url = f"/api/v1/clusters/{wuxi_cluster.slug}/policies/"
    created = client.post(url, NEW_POLICY, format="json")
    assert created.status_code == 201, created.json()
    policy_id = created.json()["id"]
    assert created.json()["cluster"] == wuxi_cluster.slug
    assert client.patch(f"{url}{policy_id}/", {"summary": "更新后的摘要"}, format="json").status_code == 200
    assert client.post(f"{url}{policy_id}/publish/").status_code == 200
    assert policy_id in _ids(client_for(None).get(url))
    actions = list(
        AuditLog.objects.filter(cluster=wuxi_cluster, target_id=policy_id).values_list("action", flat=True)
    )
    assert sorted(actions) == ["policy.create", "policy.publish", "policy.update"]
    assert AuditLog.objects.get(action="policy.publish").actor == user


@pytest.mark.parametrize("role", ["anonymous", "viewer", "sme", "partner", "outsider", "other_admin"])
def test_others_cannot_write_local_policies(client_for, wuxi_cluster, role):
    draft = PolicyFactory(cluster=wuxi_cluster, status=PolicyStatus.DRAFT)
    user = {
        "anonymous": None,
        "viewer": staff_member(wuxi_cluster, StaffRole.VIEWER),
        "sme": member_user(wuxi_cluster, "sme").user,
        "partner": member_user(wuxi_cluster, "partner").user,
        "outsider": UserFactory(),
        "other_admin": staff_member(ClusterFactory()),
    }[role]
    client = client_for(user)
    url = f"/api/v1/clusters/{wuxi_cluster.slug}/policies/"
    assert client.post(url, NEW_POLICY, format="json").status_code in (401, 403)
    assert client.patch(f"{url}{draft.id}/", {"title": "x"}, format="json").status_code in (401, 403)
    assert client.post(f"{url}{draft.id}/publish/").status_code in (401, 403)
    assert client.delete(f"{url}{draft.id}/").status_code in (401, 403)
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.DRAFT and draft.title != "x"
    assert Policy.objects.count() == 1
    assert not AuditLog.objects.exists()


def test_agency_staff_cannot_change_library_policies_through_their_cluster(client_for, wuxi_cluster):
    library = PolicyFactory()
    client = client_for(staff_member(wuxi_cluster))
    url = f"/api/v1/clusters/{wuxi_cluster.slug}/policies/{library.id}/"
    assert client.get(url).status_code == 200
    assert client.patch(url, {"title": "x"}, format="json").status_code == 404
    assert client.post(f"{url}expire/").status_code == 404
    assert client.delete(url).status_code == 404
    library.refresh_from_db()
    assert library.title != "x" and library.status == PolicyStatus.PUBLISHED


def test_categories_endpoint_lists_codes_and_labels(api_client):
    categories = api_client.get("/api/v1/policy-categories/").json()
    assert {"code": "voucher", "label_zh": "服务券", "label_en": "Service vouchers"} in categories


@pytest.mark.parametrize("path", ["/api/v1/policies/", "/api/v1/clusters/wuxi-test/policies/"])
def test_list_query_count_does_not_grow_with_rows(
    client_for, wuxi_cluster, django_assert_max_num_queries, path
):
    PolicyFactory.create_batch(2)
    client = client_for(None)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(path, {"q": "数字化"}).status_code == 200
    PolicyFactory.create_batch(10)
    PolicyFactory.create_batch(3, cluster=wuxi_cluster)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(path, {"q": "数字化"})
    assert response.json()["count"] >= 12


def test_operator_updates_expires_and_deletes_library_policies(client_for, platform_operator):
    policy = PolicyFactory()
    client = client_for(platform_operator)
    url = f"/api/v1/policies/{policy.id}/"
    response = client.patch(
        url, {"summary": "补贴比例提高到30%。", "categories": ["subsidy", "subsidy"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["categories"] == ["subsidy"]
    found = client_for(None).get("/api/v1/policies/", {"q": "补贴比例"}).json()["results"]
    assert [row["id"] for row in found] == [str(policy.id)]
    assert client.post(f"{url}expire/").json()["status"] == "expired"
    assert client.post(f"{url}expire/").status_code == 409
    assert client_for(None).get(url).status_code == 404
    assert client.delete(url).status_code == 204
    assert not Policy.objects.exists()


def test_status_is_not_set_through_create_or_update(client_for, platform_operator):
    response = client_for(platform_operator).post(
        "/api/v1/policies/", NEW_POLICY | {"status": "published"}, format="json"
    )
    assert response.status_code == 201 and response.json()["status"] == "draft"
