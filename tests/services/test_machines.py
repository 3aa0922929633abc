from datetime import timedelta

import pytest
from django.utils import timezone

from cluster_platform.models import AuditLog
from services.models import Machine
from tests.services.delivery_scene import ROLES, build_scene
from tests.services.factories import MachineFactory

pytestmark = pytest.mark.django_db

VALID = {
    "asset_code": "WX-MEMS-0001",
    "name": "深硅刻蚀机",
    "kind": "manufacturing",
    "model_name": "SPTS Rapier DRIE",
    "manufacturer": "SPTS",
    "location": "无锡市新吴区 MEMS 中试线 A1",
    "hourly_rate": "1200.00",
    "opening_hours": {"mon": ["08:00", "20:00"], "sat": ["09:00", "12:00"]},
}


@pytest.fixture
def scene():
    return build_scene()


def test_partner_lists_a_machine_that_waits_for_approval(client_for, scene):
    response = client_for(scene.partner_user).post(scene.url("machines/"), VALID, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["approval"], body["status"], body["partner"]["id"]) == (
        "pending",
        "online",
        str(scene.partner.pk),
    )
    # Not public yet: anonymous visitors and other members do not see it.
    assert client_for(None).get(scene.url(f"machines/{body['id']}/")).status_code == 404
    assert client_for(scene.sme_user).get(scene.url(f"machines/{body['id']}/")).status_code == 404
    assert client_for(scene.partner_user).get(scene.url(f"machines/{body['id']}/")).status_code == 200
    assert client_for(scene.viewer).get(scene.url(f"machines/{body['id']}/")).status_code == 200


@pytest.mark.parametrize(
    ("change", "attr"),
    [
        ({"kind": "teleporter"}, "kind"),
        ({"hourly_rate": "-1"}, "hourly_rate"),
        ({"hourly_rate": "abc"}, "hourly_rate"),
        ({"name": ""}, "name"),
        ({"location": None}, "location"),
        ({"status": "broken"}, "status"),
        ({"opening_hours": {"mon": ["18:00", "08:00"]}}, "opening_hours"),
        ({"opening_hours": {"funday": ["08:00", "18:00"]}}, "opening_hours"),
        ({"opening_hours": {"mon": ["08:10", "18:00"]}}, "opening_hours"),
        ({"asset_code": "x" * 65}, "asset_code"),
    ],
)
def test_bad_machines_are_field_errors_and_write_nothing(client_for, scene, change, attr):
    before = Machine.objects.count()
    response = client_for(scene.partner_user).post(scene.url("machines/"), {**VALID, **change}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"].split(".")[0] == attr
    assert Machine.objects.count() == before


def test_missing_fields_are_all_reported(client_for, scene):
    response = client_for(scene.partner_user).post(scene.url("machines/"), {}, format="json")
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} >= {
        "asset_code",
        "name",
        "kind",
        "model_name",
        "location",
        "hourly_rate",
    }


def test_duplicate_asset_code_is_a_field_error(client_for, scene):
    assert (
        client_for(scene.partner_user).post(scene.url("machines/"), VALID, format="json").status_code == 201
    )
    again = client_for(scene.partner_user).post(scene.url("machines/"), VALID, format="json")
    assert again.status_code == 400
    assert again.json()["errors"][0]["attr"] == "asset_code"


@pytest.mark.parametrize("role", ROLES)
def test_only_partners_list_machines(client_for, scene, role):
    before = Machine.objects.count()
    response = client_for(scene.user(role)).post(scene.url("machines/"), VALID, format="json")
    if role in ("partner", "other_partner"):
        assert response.status_code == 201
    else:
        assert response.status_code in (401, 403)
        assert Machine.objects.count() == before


def test_agency_approves_and_rejects_with_an_audit_trail(client_for, scene):
    pending = MachineFactory(cluster=scene.cluster, partner=scene.partner, approval="pending")
    other = MachineFactory(cluster=scene.cluster, partner=scene.partner, approval="pending")

    approved = client_for(scene.operator).post(scene.url(f"machines/{pending.pk}/approve/"), {})
    assert approved.status_code == 200
    assert approved.json()["approval"] == "approved"
    no_reason = client_for(scene.operator).post(scene.url(f"machines/{other.pk}/reject/"), {})
    assert no_reason.status_code == 400
    assert no_reason.json()["errors"][0]["attr"] == "reason"
    rejected = client_for(scene.admin).post(
        scene.url(f"machines/{other.pk}/reject/"), {"reason": "缺少计量证书"}
    )
    assert rejected.json()["approval"] == "rejected"

    again = client_for(scene.admin).post(scene.url(f"machines/{pending.pk}/reject/"), {"reason": "x"})
    assert again.status_code == 409
    entries = AuditLog.objects.filter(cluster=scene.cluster).order_by("created_at")
    assert [(e.action, e.actor, e.target_id) for e in entries] == [
        ("machine.approve", scene.operator, str(pending.pk)),
        ("machine.reject", scene.admin, str(other.pk)),
    ]
    assert entries[1].after == {"approval": "rejected", "reason": "缺少计量证书"}


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("admin", "operator")])
def test_only_deciding_staff_approve(client_for, scene, role):
    pending = MachineFactory(cluster=scene.cluster, partner=scene.partner, approval="pending")
    response = client_for(scene.user(role)).post(scene.url(f"machines/{pending.pk}/approve/"), {})
    assert response.status_code in (401, 403, 404)
    pending.refresh_from_db()
    assert pending.approval == "pending"
    assert not AuditLog.objects.exists()


def test_moderation_queue_is_oldest_first_and_staff_only(client_for, scene):
    now = timezone.now()
    newer = MachineFactory(cluster=scene.cluster, partner=scene.partner, approval="pending", submitted_at=now)
    older = MachineFactory(
        cluster=scene.cluster,
        partner=scene.other_partner,
        approval="pending",
        submitted_at=now - timedelta(days=2),
    )
    response = client_for(scene.viewer).get(scene.url("moderation/machines/"))
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(older.pk), str(newer.pk)]
    for role in ("anonymous", "sme", "partner"):
        assert client_for(scene.user(role)).get(scene.url("moderation/machines/")).status_code in (401, 403)


def test_public_catalog_shows_approved_online_machines(client_for, scene):
    MachineFactory(cluster=scene.cluster, partner=scene.partner, status="maintenance")
    MachineFactory(cluster=scene.cluster, partner=scene.partner, approval="rejected")
    own_pending = MachineFactory(cluster=scene.cluster, partner=scene.other_partner, approval="pending")

    public = client_for(None).get(scene.url("machines/")).json()
    assert [row["id"] for row in public["results"]] == [str(scene.machine.pk)]
    assert client_for(scene.viewer).get(scene.url("machines/")).json()["count"] == 4
    mine = client_for(scene.other_partner_user).get(scene.url("machines/")).json()["results"]
    assert {row["id"] for row in mine} == {str(scene.machine.pk), str(own_pending.pk)}
    filtered = client_for(scene.viewer).get(scene.url("machines/?kind=test&status=maintenance")).json()
    assert filtered["count"] == 1


def test_editing_what_a_machine_is_sends_it_back_to_review(client_for, scene):
    client = client_for(scene.partner_user)
    url = scene.url(f"machines/{scene.machine.pk}/")

    price = client.patch(url, {"hourly_rate": "420.00", "status": "maintenance"}, format="json")
    assert price.status_code == 200, price.json()
    assert (price.json()["approval"], price.json()["hourly_rate"]) == ("approved", "420.00")

    relabel = client.patch(url, {"model_name": "Cascade Summit 12000"}, format="json")
    assert relabel.json()["approval"] == "pending"

    other = client_for(scene.other_partner_user).patch(url, {"hourly_rate": "1.00"}, format="json")
    assert other.status_code in (403, 404)
    bad = client.patch(url, {"opening_hours": {"mon": ["09:00"]}}, format="json")
    assert bad.status_code == 400
    scene.machine.refresh_from_db()
    assert scene.machine.hourly_rate == 420


def test_machine_list_query_count_does_not_grow(client_for, scene, django_assert_max_num_queries):
    client = client_for(scene.admin)
    MachineFactory.create_batch(2, cluster=scene.cluster, partner=scene.partner)
    MachineFactory.create_batch(2, cluster=scene.cluster, partner=scene.partner, approval="pending")
    with django_assert_max_num_queries(10) as small:
        client.get(scene.url("machines/"))
        client.get(scene.url("moderation/machines/"))
    MachineFactory.create_batch(10, cluster=scene.cluster, partner=scene.other_partner)
    MachineFactory.create_batch(10, cluster=scene.cluster, partner=scene.other_partner, approval="pending")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(scene.url("machines/")).json()["count"] == 25
        assert client.get(scene.url("moderation/machines/")).json()["count"] == 12


def test_machines_of_a_suspended_partner_leave_the_public_catalog(client_for, scene):
    from enterprises.models import Membership

    Membership.objects.filter(cluster=scene.cluster, enterprise=scene.partner).update(status="suspended")
    assert client_for(None).get(scene.url("machines/")).json()["count"] == 0
    assert client_for(scene.viewer).get(scene.url("machines/")).json()["count"] == 1


def test_another_clusters_machine_answers_404(client_for, scene):
    elsewhere = build_scene()
    for path in ("", "calendar/", "utilisation/"):
        assert (
            client_for(scene.admin).get(scene.url(f"machines/{elsewhere.machine.pk}/{path}")).status_code
            == 404
        )
    pending = MachineFactory(cluster=elsewhere.cluster, partner=elsewhere.partner, approval="pending")
    assert client_for(scene.admin).post(scene.url(f"machines/{pending.pk}/approve/"), {}).status_code == 404
    pending.refresh_from_db()
    assert pending.approval == "pending"


def test_ordering_keeps_a_unique_tiebreaker(client_for, scene):
    for _ in range(5):
        MachineFactory(cluster=scene.cluster, partner=scene.partner, hourly_rate="100.00")
    client = client_for(scene.viewer)
    pages = [
        client.get(scene.url(f"machines/?ordering=hourly_rate&page_size=2&page={page}")).json()["results"]
        for page in (1, 2, 3)
    ]
    ids = [row["id"] for page in pages for row in page]
    assert len(ids) == len(set(ids)) == 6
    assert (
        client.get(scene.url("machines/?ordering=decision_reason")).status_code == 200
    )  # ignored, not an error


def test_the_agencys_decision_reason_is_for_the_partner_and_the_agency_only(client_for, scene):
    machine = MachineFactory(
        cluster=scene.cluster, partner=scene.partner, decision_reason="校准证书过期，补交后通过"
    )
    path = scene.url(f"machines/{machine.pk}/")

    anonymous = client_for(None).get(path).json()
    sme = client_for(scene.sme_user).get(path).json()
    partner = client_for(scene.partner_user).get(path).json()
    agency = client_for(scene.viewer).get(path).json()
    listed = client_for(None).get(scene.url("machines/")).json()["results"]

    assert anonymous["decision_reason"] == "" and sme["decision_reason"] == ""
    assert all(row["decision_reason"] == "" for row in listed)
    assert partner["decision_reason"] == agency["decision_reason"] == "校准证书过期，补交后通过"


def test_patch_naming_another_partner_for_a_machine_is_refused(client_for, scene):
    url = scene.url(f"machines/{scene.machine.pk}/")
    scene.machine.refresh_from_db()
    before = (scene.machine.partner_id, scene.machine.hourly_rate)

    response = client_for(scene.partner_user).patch(
        url, {"partner": str(scene.other_partner_user.pk), "hourly_rate": "1.00"}, format="json"
    )

    assert response.status_code == 400
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [("read_only", "partner")]
    scene.machine.refresh_from_db()
    assert (scene.machine.partner_id, scene.machine.hourly_rate) == before
