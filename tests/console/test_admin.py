"""The console admin: signing in, cluster scoping, roles, and every change through a service."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client, RequestFactory

from cluster_platform.models import AuditLog, User
from console.admin import console_site
from console.admin.scoping import ClusterScopedAdmin
from enterprises.models import Membership
from services.models import Machine, Offering, OfferingStatus
from tests.cluster_platform.factories import ClusterStaffFactory, UserFactory
from tests.console import stats_world
from tests.enterprises.factories import member_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return stats_world.build()


def _signed_in(client, user):
    client.force_login(user)
    return client


def _pending_offering(cluster):
    return Offering.objects.get(cluster=cluster, status=OfferingStatus.PENDING)


# --- No form writes ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "operator", "viewer", "platform"])
def test_no_registered_admin_writes_a_model_through_a_form(world, role):
    """Every change in the console is an action that calls a service: no add, change or delete
    form for anyone, every field read-only, no bulk delete."""
    user = (
        UserFactory(is_superuser=True)
        if role == "platform"
        else ClusterStaffFactory(cluster=world.a, role=role).user
    )
    request = RequestFactory().get("/console/")
    request.user = user
    request.session = {}
    assert console_site._registry, "the console registers its admins"
    for model, model_admin in console_site._registry.items():
        label = model._meta.label
        assert isinstance(model_admin, ClusterScopedAdmin), f"{label}: not cluster-scoped"
        assert not model_admin.has_add_permission(request), label
        assert not model_admin.has_change_permission(request), label
        assert not model_admin.has_delete_permission(request), label
        editable = {f.name for f in model._meta.fields if f.editable} - set(
            model_admin.get_exclude(request) or []
        )
        assert editable <= set(model_admin.get_readonly_fields(request)), f"{label}: a form could write"
        assert "delete_selected" not in model_admin.get_actions(request), label
        for name, (function, _name, _description) in model_admin.get_actions(request).items():
            assert list(getattr(function, "allowed_permissions", [])) == ["decide"], f"{label}.{name}"


# --- Signing in ------------------------------------------------------------------------------


def test_agency_staff_sign_in_without_the_django_staff_flag(world, client):
    viewer = ClusterStaffFactory(cluster=world.a, role="viewer").user
    assert not viewer.is_staff
    response = client.post(
        "/console/login/?next=/console/", {"username": viewer.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302 and response["Location"] == "/console/"
    assert client.get("/console/").status_code == 200


def test_other_people_cannot_sign_in(world, client):
    member = member_user(world.a).user
    response = client.post("/console/login/", {"username": member.email, "password": "correct-horse-battery"})
    assert response.status_code == 200  # the form again, with its error
    assert client.get("/console/").status_code == 302


# --- Moderation through the services ---------------------------------------------------------


def test_an_operator_approves_a_pending_offering_and_the_audit_log_shows_it(world, client):
    operator = ClusterStaffFactory(cluster=world.a, role="operator").user
    _signed_in(client, operator)
    offering = _pending_offering(world.a)
    queue = client.get("/console/services/offering/?queue=pending")
    assert offering.title in queue.content.decode()
    response = client.post(
        "/console/services/offering/", {"action": "approve", ACTION_CHECKBOX_NAME: [str(offering.pk)]}
    )
    assert response.status_code == 302
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.PUBLISHED and offering.decided_by == operator
    entry = AuditLog.objects.get(cluster=world.a, action="offering.approve", target_id=str(offering.pk))
    assert entry.actor == operator
    log_page = client.get("/console/cluster_platform/auditlog/").content.decode()
    assert "offering.approve" in log_page


def test_a_rejection_asks_for_the_reason_and_passes_it_to_the_service(world, client):
    _signed_in(client, ClusterStaffFactory(cluster=world.a, role="admin").user)
    pending = Membership.objects.get(cluster=world.a, status="pending")
    form = client.post(
        "/console/enterprises/membership/", {"action": "reject", ACTION_CHECKBOX_NAME: [str(pending.pk)]}
    )
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"
    client.post(
        "/console/enterprises/membership/",
        {"action": "reject", ACTION_CHECKBOX_NAME: [str(pending.pk)], "apply": "1", "reason": "材料不全"},
    )
    pending.refresh_from_db()
    assert pending.status == "rejected" and pending.decision_reason == "材料不全"
    assert AuditLog.objects.filter(
        cluster=world.a, target_id=str(pending.pk), action__startswith="membership."
    ).exists()


def test_a_refused_transition_is_reported_not_raised(world, client):
    _signed_in(client, ClusterStaffFactory(cluster=world.a, role="operator").user)
    published = Offering.objects.filter(cluster=world.a, status=OfferingStatus.PUBLISHED).first()
    response = client.post(
        "/console/services/offering/",
        {"action": "approve", ACTION_CHECKBOX_NAME: [str(published.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert any(message.level_tag == "error" for message in response.context["messages"])


def test_a_viewer_reads_but_cannot_decide(world, client):
    _signed_in(client, ClusterStaffFactory(cluster=world.a, role="viewer").user)
    machine = Machine.objects.get(cluster=world.a, approval="pending")
    page = client.get("/console/services/machine/")
    assert page.status_code == 200 and machine.name in page.content.decode()
    assert 'value="approve"' not in page.content.decode()
    client.post("/console/services/machine/", {"action": "approve", ACTION_CHECKBOX_NAME: [str(machine.pk)]})
    machine.refresh_from_db()
    assert machine.approval == "pending"


# --- Tenancy -----------------------------------------------------------------------------------


def test_an_admin_of_another_cluster_finds_nothing_of_the_first(world):
    client = _signed_in(
        Client(raise_request_exception=False), ClusterStaffFactory(cluster=world.b, role="admin").user
    )
    a_rows = {
        "enterprises/membership": Membership.objects.filter(cluster=world.a).exclude(enterprise=world.shared),
        "services/offering": Offering.objects.filter(cluster=world.a),
        "services/machine": Machine.objects.filter(cluster=world.a),
        "cluster_platform/auditlog": AuditLog.objects.filter(cluster=world.a),
    }
    from cluster_platform.services import audit_record

    audit_record(cluster=world.a, actor=None, action="a.secret", target=world.shared, before={}, after={})
    for path, rows in a_rows.items():
        listing = client.get(f"/console/{path}/").content.decode()
        for row in rows:
            assert str(row.pk) not in listing, path
            for text in (getattr(row, "title", None), getattr(row, "name", None)):
                if text:
                    assert text not in listing, (path, text)
                    found = client.get(f"/console/{path}/", {"q": text}).content.decode()
                    assert str(row.pk) not in found, (path, text)  # the search box echoes the text itself
            for suffix in ("change/", "history/", "delete/"):
                response = client.get(f"/console/{path}/{row.pk}/{suffix}", follow=True)
                assert response.status_code in (200, 403, 404), (path, suffix)
                # The answer is the one for an id that does not exist (which echoes the id asked for).
                assert str(row) not in response.content.decode(), (path, suffix)
    assert "a.secret" not in client.get("/console/cluster_platform/auditlog/").content.decode()
    autocomplete = client.get(
        "/console/autocomplete/",
        {"app_label": "enterprises", "model_name": "membership", "field_name": "enterprise", "term": "stats"},
    )
    assert autocomplete.status_code in (403, 404)
    dashboard = client.get("/console/dashboard/").content.decode()
    assert world.a.name not in dashboard


def test_a_person_cannot_choose_a_cluster_that_is_not_theirs(world, client):
    _signed_in(client, ClusterStaffFactory(cluster=world.b, role="admin").user)
    client.post("/console/choose-cluster/", {"cluster": world.a.slug})
    assert client.session.get("console_cluster") != world.a.slug
    page = client.get("/console/services/offering/").content.decode()
    assert not any(o.title in page for o in Offering.objects.filter(cluster=world.a))


def test_a_platform_operator_sees_every_cluster_and_chooses_one(world, client):
    operator = User.objects.create_superuser(email="ops@example.com", password="x", name="运营")
    _signed_in(client, operator)
    everything = client.get("/console/services/offering/").content.decode()
    for cluster in (world.a, world.b):
        assert Offering.objects.filter(cluster=cluster).first().title in everything
    client.post("/console/choose-cluster/", {"cluster": world.b.slug})
    only_b = client.get("/console/services/offering/").content.decode()
    assert not any(o.title in only_b for o in Offering.objects.filter(cluster=world.a))


# --- Dashboard -------------------------------------------------------------------------------


def test_the_dashboard_renders_its_charts_in_chinese_and_english(world, client):
    _signed_in(client, ClusterStaffFactory(cluster=world.a, role="viewer").user)
    chinese = client.get("/console/dashboard/").content.decode()
    assert chinese.count('class="console-chart"') == 7
    assert 'class="bar"' in chinese and 'class="point"' in chinese
    assert '<html lang="zh-hans"' in chinese and "首页" in chinese
    client.cookies["django_language"] = "en"
    english = client.get("/console/dashboard/").content.decode()
    assert '<html lang="en"' in english and "Matching funnel" in english
    assert english.count('class="console-chart"') == 7
