"""Offerings: publishing, validation, the review workflow, revisions, visibility and permissions."""

import pytest

from cluster_platform.models import AuditLog
from services.models import Offering, OfferingRevision, OfferingStatus, RevisionStatus
from tests.enterprises.factories import member_user
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def url(cluster, *parts):
    tail = "".join(f"{part}/" for part in parts)
    return f"/api/v1/clusters/{cluster.slug}/offerings/{tail}"


def valid_payload(**overrides):
    payload = {
        "title": "MES制造执行系统实施",
        "summary": "面向电子制造企业的MES上云服务",
        "description": "生产排程、质量追溯、设备联网。",
        "category": "saas-mes",
        "delivery_mode": "hybrid",
        "target_industries": ["C39", "c3982"],
        "target_size_classes": ["small", "medium"],
        "regions_served": ["320000"],
        "maturity_levels": [1, 2],
        "price_model": "from",
        "price_min": "50000.00",
        "voucher_eligible": True,
        "capacity": 5,
        "tags": ["MES", "电子制造"],
    }
    payload.update(overrides)
    return payload


def test_partner_creates_a_draft(client_for, cluster, partner):
    response = client_for(partner.user).post(url(cluster), valid_payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["partner"] == {"id": str(partner.enterprise.id), "name": partner.enterprise.name}
    assert body["category"]["code"] == "saas-mes"
    assert body["target_industries"] == ["C39", "C3982"]  # normalised upper-case
    offering = Offering.objects.get(pk=body["id"])
    assert offering.cluster == cluster and offering.search_vector is not None


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"category": "no-such-category"}, "category"),
        ({"target_industries": ["Z99"]}, "target_industries"),
        ({"target_industries": ["C3559"]}, "target_industries"),  # well formed, not in the standard
        ({"regions_served": ["999999"]}, "regions_served"),
        ({"target_size_classes": ["giant"]}, "target_size_classes"),
        ({"maturity_levels": [5]}, "maturity_levels"),
        ({"capacity": 0}, "capacity"),
        ({"delivery_mode": "teleport"}, "delivery_mode"),
        ({"price_model": "free", "price_min": "10.00"}, "price_min"),
        ({"price_model": "fixed", "price_min": None}, "price_min"),
        ({"price_model": "fixed", "price_min": "100", "price_max": "200"}, "price_max"),
        ({"price_model": "from", "price_min": "100", "price_max": "200"}, "price_max"),
        ({"price_model": "quote", "price_min": "300", "price_max": "200"}, "price_max"),
        ({"price_model": "subscription", "price_min": None}, "price_min"),
        ({"price_min": "-1"}, "price_min"),
        ({"title": "   "}, "title"),
        ({"tags": [f"t{n}" for n in range(11)]}, "tags"),
    ],
)
def test_bad_offering_input_is_a_field_error_and_writes_nothing(
    client_for, cluster, partner, overrides, field
):
    response = client_for(partner.user).post(url(cluster), valid_payload(**overrides), format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["type"] == "validation_error"
    assert field in {error["attr"].split(".")[0] for error in body["errors"]}
    assert not Offering.objects.exists()


def test_price_models_store_consistent_ranges(client_for, cluster, partner):
    client = client_for(partner.user)
    free = client.post(url(cluster), valid_payload(price_model="free", price_min=None), format="json").json()
    assert (free["price_min"], free["price_max"]) == (None, None)
    fixed = client.post(
        url(cluster), valid_payload(price_model="fixed", price_min="9800"), format="json"
    ).json()
    assert (fixed["price_min"], fixed["price_max"]) == ("9800.00", "9800.00")
    quote = client.post(
        url(cluster), valid_payload(price_model="quote", price_min=None), format="json"
    ).json()
    assert quote["price_model"] == "quote" and quote["price_min"] is None


@pytest.mark.parametrize("who", ["anonymous", "sme", "outsider", "viewer", "admin"])
def test_only_partners_create_offerings(client_for, cluster, sme, outsider, actor, who):
    user = actor(who)
    response = client_for(user).post(url(cluster), valid_payload(), format="json")
    assert response.status_code in (401, 403)
    assert not Offering.objects.exists()


def test_pending_partner_membership_cannot_publish(client_for, cluster):
    user = member_user(cluster, "partner", status="pending").user
    response = client_for(user).post(url(cluster), valid_payload(), format="json")
    assert response.status_code == 403
    assert not Offering.objects.exists()


def test_partner_acting_for_another_enterprise_is_refused(client_for, cluster, partner, other_partner):
    response = client_for(partner.user).post(
        url(cluster), valid_payload(partner=str(other_partner.enterprise.id)), format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "partner"
    assert not Offering.objects.exists()


def _draft(client, cluster):
    return client.post(url(cluster), valid_payload(), format="json").json()["id"]


def test_review_workflow_publishes_and_audits(client_for, cluster, partner, agency_operator, api_client):
    client = client_for(partner.user)
    offering_id = _draft(client, cluster)
    assert api_client.get(url(cluster, offering_id)).status_code == 404  # a draft is not public

    response = client.post(url(cluster, offering_id, "submit"))
    assert response.status_code == 200 and response.json()["status"] == "pending"
    assert response.json()["submitted_at"] is not None

    response = client_for(agency_operator).post(url(cluster, offering_id, "approve"))
    assert response.status_code == 200 and response.json()["status"] == "published"
    public = api_client.get(url(cluster, offering_id))
    assert public.status_code == 200
    assert "decision_reason" not in public.json() and "pending_revision" not in public.json()
    entry = AuditLog.objects.get(action="offering.approve")
    assert entry.cluster == cluster and entry.actor == agency_operator and entry.target_id == offering_id
    assert entry.before == {"status": "pending"} and entry.after == {"status": "published"}


def test_rejection_needs_a_reason_and_the_partner_may_resubmit(client_for, cluster, partner, agency_admin):
    client, agency = client_for(partner.user), client_for(agency_admin)
    offering_id = _draft(client, cluster)
    client.post(url(cluster, offering_id, "submit"))

    response = agency.post(url(cluster, offering_id, "reject"), {"reason": ""}, format="json")
    assert response.status_code == 400
    assert Offering.objects.get(pk=offering_id).status == OfferingStatus.PENDING
    assert not AuditLog.objects.exists()

    response = agency.post(url(cluster, offering_id, "reject"), {"reason": "价格说明不清楚"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    mine = client.get(url(cluster, offering_id)).json()
    assert mine["decision_reason"] == "价格说明不清楚"
    assert AuditLog.objects.get(action="offering.reject").after["reason"] == "价格说明不清楚"

    assert (
        client.patch(url(cluster, offering_id), {"summary": "补充了报价"}, format="json").status_code == 200
    )
    assert client.post(url(cluster, offering_id, "submit")).json()["status"] == "pending"


def test_invalid_transitions_are_409_naming_the_allowed_ones(client_for, cluster, partner, agency_admin):
    client, agency = client_for(partner.user), client_for(agency_admin)
    offering_id = _draft(client, cluster)
    response = agency.post(url(cluster, offering_id, "approve"))
    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["code"] == "invalid_transition" and "submit" in error["detail"]
    assert Offering.objects.get(pk=offering_id).status == OfferingStatus.DRAFT
    assert client.post(url(cluster, offering_id, "withdraw")).status_code == 409
    client.post(url(cluster, offering_id, "submit"))
    assert client.post(url(cluster, offering_id, "submit")).status_code == 409
    # An offering under review cannot be edited: the agency decides on what it read.
    response = client.patch(url(cluster, offering_id), {"title": "改名"}, format="json")
    assert response.status_code == 409
    assert Offering.objects.get(pk=offering_id).title == "MES制造执行系统实施"


def test_withdraw_and_resubmit(client_for, cluster, partner, api_client):
    offering = OfferingFactory(cluster=cluster, partner=partner.enterprise)
    client = client_for(partner.user)
    assert client.post(url(cluster, offering.id, "withdraw")).json()["status"] == "withdrawn"
    assert api_client.get(url(cluster, offering.id)).status_code == 404
    assert not AuditLog.objects.exists()  # the partner's own decision is not an agency decision
    assert client.post(url(cluster, offering.id, "submit")).json()["status"] == "pending"


def test_agency_takes_an_offering_down_with_a_reason(client_for, cluster, partner, agency_operator):
    offering = OfferingFactory(cluster=cluster, partner=partner.enterprise)
    agency = client_for(agency_operator)
    assert agency.post(url(cluster, offering.id, "withdraw"), {}, format="json").status_code == 400
    response = agency.post(url(cluster, offering.id, "withdraw"), {"reason": "资质过期"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert AuditLog.objects.get(action="offering.withdraw").after == {
        "status": "withdrawn",
        "reason": "资质过期",
    }


@pytest.mark.parametrize("who", ["anonymous", "sme", "other_partner", "viewer", "outsider"])
@pytest.mark.parametrize("action", ["approve", "reject", "withdraw"])
def test_decisions_are_refused_to_non_deciders(
    client_for, cluster, partner, other_partner, sme, outsider, actor, who, action
):
    offering = OfferingFactory(cluster=cluster, partner=partner.enterprise, status=OfferingStatus.PENDING)
    user = actor(who)
    response = client_for(user).post(url(cluster, offering.id, action), {"reason": "x"}, format="json")
    assert response.status_code in (401, 403, 404)
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.PENDING
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize("who", ["other_partner", "sme", "admin", "anonymous"])
def test_only_the_owner_edits_or_submits(client_for, cluster, partner, other_partner, sme, actor, who):
    offering = OfferingFactory(cluster=cluster, partner=partner.enterprise, status=OfferingStatus.PUBLISHED)
    user = actor(who)
    client = client_for(user)
    assert client.patch(url(cluster, offering.id), {"title": "被篡改"}, format="json").status_code in (
        401,
        403,
    )
    assert not OfferingRevision.objects.exists()
    offering.refresh_from_db()
    assert offering.title != "被篡改"


def test_editing_a_published_offering_goes_to_review(client_for, cluster, partner, agency_admin, api_client):
    offering = OfferingFactory(
        cluster=cluster, partner=partner.enterprise, title="设备上云服务", summary="PLC数据采集"
    )
    client = client_for(partner.user)
    response = client.patch(url(cluster, offering.id), {"title": "设备上云与预测性维护"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "设备上云服务"  # the approved version stays
    assert body["pending_revision"]["data"]["title"] == "设备上云与预测性维护"
    assert api_client.get(url(cluster, offering.id)).json()["title"] == "设备上云服务"

    # A second edit replaces the pending proposal and builds on it.
    client.patch(url(cluster, offering.id), {"summary": "PLC与传感器数据采集"}, format="json")
    revisions = OfferingRevision.objects.filter(offering=offering)
    assert revisions.filter(status=RevisionStatus.SUPERSEDED).count() == 1
    pending = revisions.get(status=RevisionStatus.PENDING)
    assert (
        pending.data["title"] == "设备上云与预测性维护" and pending.data["summary"] == "PLC与传感器数据采集"
    )

    agency = client_for(agency_admin)
    shown = agency.get(f"/api/v1/clusters/{cluster.slug}/offering-revisions/{pending.id}/").json()
    assert shown["changes"]["title"] == {"current": "设备上云服务", "proposed": "设备上云与预测性维护"}
    response = agency.post(f"/api/v1/clusters/{cluster.slug}/offering-revisions/{pending.id}/approve/")
    assert response.status_code == 200
    public = api_client.get(url(cluster, offering.id)).json()
    assert (public["title"], public["summary"]) == ("设备上云与预测性维护", "PLC与传感器数据采集")
    entry = AuditLog.objects.get(action="offering.revision_approve")
    assert entry.before == {"title": "设备上云服务", "summary": "PLC数据采集"}
    # The search index follows the approved version.
    found = api_client.get(url(cluster), {"q": "预测性维护"}).json()["results"]
    assert [row["id"] for row in found] == [str(offering.id)]
    again = agency.post(f"/api/v1/clusters/{cluster.slug}/offering-revisions/{pending.id}/approve/")
    assert again.status_code == 409


def test_reverting_a_pending_change_leaves_nothing_to_review(client_for, cluster, partner):
    offering = OfferingFactory(cluster=cluster, partner=partner.enterprise, title="MES实施")
    client = client_for(partner.user)
    client.patch(url(cluster, offering.id), {"title": "MES实施与培训"}, format="json")
    response = client.patch(url(cluster, offering.id), {"title": "MES实施"}, format="json")
    assert response.status_code == 200 and response.json()["pending_revision"] is None
    assert not OfferingRevision.objects.filter(status=RevisionStatus.PENDING).exists()


def test_rejected_revision_leaves_the_offering_as_approved(client_for, cluster, partner, agency_operator):
    offering = OfferingFactory(cluster=cluster, partner=partner.enterprise, title="MES实施")
    client_for(partner.user).patch(url(cluster, offering.id), {"price_model": "free"}, format="json")
    revision = OfferingRevision.objects.get()
    agency = client_for(agency_operator)
    revisions_url = f"/api/v1/clusters/{cluster.slug}/offering-revisions/{revision.id}/"
    assert agency.post(revisions_url + "reject/", {}, format="json").status_code == 400
    response = agency.post(revisions_url + "reject/", {"reason": "免费服务需另行备案"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    offering.refresh_from_db()
    assert offering.price_model == "quote"
    assert AuditLog.objects.filter(action="offering.revision_reject").count() == 1


def test_invalid_revision_is_a_field_error_and_writes_nothing(client_for, cluster, partner):
    offering = OfferingFactory(cluster=cluster, partner=partner.enterprise)
    response = client_for(partner.user).patch(
        url(cluster, offering.id), {"regions_served": ["123456"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "regions_served"
    assert not OfferingRevision.objects.exists()


def test_visibility_by_role(client_for, api_client, cluster, partner, other_partner, agency_viewer):
    published = OfferingFactory(cluster=cluster, partner=partner.enterprise)
    draft = OfferingFactory(cluster=cluster, partner=partner.enterprise, status=OfferingStatus.DRAFT)
    rejected = OfferingFactory(cluster=cluster, partner=partner.enterprise, status=OfferingStatus.REJECTED)
    OfferingFactory(partner=partner.enterprise)  # another cluster's published offering

    def ids(client):
        return {row["id"] for row in client.get(url(cluster)).json()["results"]}

    assert ids(api_client) == {str(published.id)}
    assert ids(client_for(other_partner.user)) == {str(published.id)}
    assert ids(client_for(partner.user)) == {str(published.id), str(draft.id), str(rejected.id)}
    assert ids(client_for(agency_viewer)) == {str(published.id), str(draft.id), str(rejected.id)}
    assert client_for(other_partner.user).get(url(cluster, draft.id)).status_code == 404


def test_moderation_queue_lists_pending_offerings_and_revisions_oldest_first(
    client_for, cluster, partner, agency_viewer
):
    client = client_for(partner.user)
    first = _draft(client, cluster)
    client.post(url(cluster, first, "submit"))
    published = OfferingFactory(cluster=cluster, partner=partner.enterprise, title="数据采集网关")
    client.patch(url(cluster, published.id), {"title": "边缘数据采集网关"}, format="json")
    OfferingFactory(cluster=cluster, partner=partner.enterprise, status=OfferingStatus.DRAFT)

    queue_url = f"/api/v1/clusters/{cluster.slug}/moderation/offerings/"
    response = client_for(agency_viewer).get(queue_url)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["kind"], row["offering"]["id"]) for row in rows] == [
        ("offering", first),
        ("offering_revision", str(published.id)),
    ]
    assert rows[1]["revision"]["changes"]["title"]["proposed"] == "边缘数据采集网关"
    assert client.get(queue_url).status_code == 403


def test_offering_list_query_count_does_not_grow(
    client_for, cluster, partner, agency_admin, django_assert_max_num_queries
):
    client = client_for(agency_admin)
    for _ in range(2):
        OfferingFactory(cluster=cluster, partner=partner.enterprise, tags=["MES"])
    with django_assert_max_num_queries(12) as small:
        client.get(url(cluster), {"q": "测试"})
    for _ in range(10):
        offering = OfferingFactory(cluster=cluster, partner=partner.enterprise, tags=["MES"])
        OfferingRevision.objects.create(cluster=cluster, offering=offering, data={"title": "x"})
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url(cluster), {"q": "测试"})
    assert response.json()["count"] == 12


def test_moderation_queue_query_count_does_not_grow(
    client_for, cluster, partner, agency_admin, django_assert_max_num_queries
):
    client = client_for(agency_admin)
    for _ in range(2):
        OfferingFactory(cluster=cluster, partner=partner.enterprise, status=OfferingStatus.PENDING)
    with django_assert_max_num_queries(12) as small:
        client.get(f"/api/v1/clusters/{cluster.slug}/moderation/offerings/")
    for _ in range(5):
        OfferingFactory(cluster=cluster, partner=partner.enterprise, status=OfferingStatus.PENDING)
        offering = OfferingFactory(cluster=cluster, partner=partner.enterprise)
        OfferingRevision.objects.create(cluster=cluster, offering=offering, data={"title": "x"})
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(f"/api/v1/clusters/{cluster.slug}/moderation/offerings/")
    assert response.json()["count"] == 12


def test_revisions_are_seen_by_their_partner_and_the_agency(
    client_for, cluster, partner, other_partner, sme, agency_viewer
):
    offering = OfferingFactory(cluster=cluster, partner=partner.enterprise)
    client_for(partner.user).patch(url(cluster, offering.id), {"title": "新标题"}, format="json")
    revisions_url = f"/api/v1/clusters/{cluster.slug}/offering-revisions/"
    assert client_for(partner.user).get(revisions_url).json()["count"] == 1
    assert client_for(agency_viewer).get(revisions_url).json()["count"] == 1
    assert client_for(other_partner.user).get(revisions_url).json()["count"] == 0
    assert client_for(sme.user).get(revisions_url).status_code == 403
    revision = OfferingRevision.objects.get()
    response = client_for(agency_viewer).post(f"{revisions_url}{revision.id}/approve/")
    assert response.status_code == 403
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.PENDING


def test_revision_list_query_count_does_not_grow(
    client_for, cluster, partner, agency_admin, django_assert_max_num_queries
):
    client = client_for(agency_admin)
    revisions_url = f"/api/v1/clusters/{cluster.slug}/offering-revisions/"

    def add(count):
        for _ in range(count):
            offering = OfferingFactory(cluster=cluster, partner=partner.enterprise)
            OfferingRevision.objects.create(cluster=cluster, offering=offering, data={"title": "新"})

    add(2)
    with django_assert_max_num_queries(10) as small:
        client.get(revisions_url)
    add(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(revisions_url).json()["count"] == 10


def test_category_list_is_one_query(api_client, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert api_client.get("/api/v1/service-categories/").status_code == 200


def test_patch_naming_another_partner_is_refused_and_changes_nothing(
    client_for, cluster, partner, other_partner
):
    offering = OfferingFactory(cluster=cluster, partner=partner.enterprise)
    title = offering.title

    response = client_for(partner.user).patch(
        url(cluster, offering.id),
        {"partner": str(other_partner.enterprise.pk), "title": "新标题"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "read_only", "detail": response.json()["errors"][0]["detail"], "attr": "partner"}
    ]
    offering.refresh_from_db()
    assert (offering.partner_id, offering.title) == (partner.enterprise.pk, title)
