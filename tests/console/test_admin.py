"""The console admin: signing in, cluster scoping, roles, and every change through a service."""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client, RequestFactory

from cluster_platform.admin import USER_PLATFORM_FLAGS
from cluster_platform.models import AuditLog, ClusterStaff, User
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


# Models whose ModelAdmin on the superuser's /admin/ keeps a form, and the fields it may write:
# each saved through a service, or a field no service owns. Every other model there is read-only.
DEFAULT_SITE_FORMS = {
    "auth.Group": None,  # Django's permission groups: no platform service; every field
    "cluster_platform.User": set(USER_PLATFORM_FLAGS),  # no service owns the platform flags
    "services.Category": {"name", "name_en"},  # saved by services.services.offerings.category_rename
}
# The actions the superuser's /admin/ offers, and the service each calls.
DEFAULT_SITE_ACTIONS = {
    ("enterprises.Enterprise", "revoke_verification"): "enterprise_unverify_by_platform",
    ("knox.AuthToken", "revoke"): "auth_token_revoke",
    ("policies.Policy", "publish"): "policy_publish",
    ("policies.Policy", "expire"): "policy_expire",
}


def _admin_request(user, path="/console/"):
    request = RequestFactory().get(path)
    request.user = user
    request.session = {}
    return request


def _assert_inlines_read_only(model_admin, request, label):
    for inline_class in model_admin.inlines:
        inline = inline_class(model_admin.model, model_admin.admin_site)
        assert not inline.has_add_permission(request, None), f"{label}: inline {inline_class.__name__}"
        assert not inline.has_change_permission(request, None), f"{label}: inline {inline_class.__name__}"
        assert not inline.has_delete_permission(request, None), f"{label}: inline {inline_class.__name__}"


@pytest.mark.parametrize("role", ["admin", "operator", "viewer", "platform"])
def test_no_registered_admin_writes_a_model_through_a_form(world, role):
    """Every change in the console is an action (or a console page) that calls a service: no add,
    change or delete form for anyone, every field read-only, no bulk delete; the cluster's staff
    are changed by its admins only."""
    user = (
        UserFactory(is_superuser=True)
        if role == "platform"
        else ClusterStaffFactory(cluster=world.a, role=role).user
    )
    request = _admin_request(user)
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
        _assert_inlines_read_only(model_admin, request, label)
        for name, (function, _name, _description) in model_admin.get_actions(request).items():
            permissions = list(getattr(function, "allowed_permissions", []))
            assert permissions in (["decide"], ["administer"]), f"{label}.{name}"
            if permissions == ["administer"]:
                assert role in ("admin", "platform"), f"{label}.{name} offered to {role}"


def test_no_admin_of_the_superusers_site_writes_around_the_services(world):
    """The default /admin/ site: a model that services write is read-only there (no add, change
    or delete, inlines included), its actions are the reviewed ones that call services, and the
    few forms left write only what DEFAULT_SITE_FORMS allows."""
    operator = UserFactory(is_superuser=True, is_staff=True)
    request = _admin_request(operator, "/admin/")
    assert len(admin.site._registry) > 30
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        allowed = DEFAULT_SITE_FORMS.get(label, set())
        if allowed is not None:
            assert not model_admin.has_add_permission(request), label
            assert not model_admin.has_delete_permission(request), label
            assert "delete_selected" not in model_admin.get_actions(request), label
        if label not in DEFAULT_SITE_FORMS:
            assert not model_admin.has_change_permission(request), label
        if allowed:
            obj = operator if model is User else model._default_manager.order_by("pk").first()
            assert obj is not None, label
            form_fields = set(model_admin.get_form(request, obj, change=True).base_fields)
            assert form_fields <= allowed, f"{label}: its form writes {form_fields - allowed}"
        if allowed is None:
            continue
        _assert_inlines_read_only(model_admin, request, label)
        for name in model_admin.get_actions(request):
            assert (label, name) in DEFAULT_SITE_ACTIONS, f"{label}.{name}: not a reviewed service action"


def test_the_superusers_admin_refuses_changes_around_the_services(world, client):
    operator = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(operator)
    pending = Membership.objects.get(cluster=world.a, status="pending")
    url = f"/admin/enterprises/membership/{pending.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="status"' not in page.content.decode()  # shown, not editable
    refused = client.post(url, {"status": "approved", "role": pending.role, "cluster": world.a.pk})
    assert refused.status_code == 403
    client.post(
        "/admin/enterprises/membership/",
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [str(pending.pk)]},
    )
    assert client.get("/admin/services/offering/add/").status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending"

    # What no service owns stays editable: an operator deactivates an account, and nothing else moves.
    person = member_user(world.a).user
    response = client.post(
        f"/admin/cluster_platform/user/{person.pk}/change/", {"is_staff": "on", "name": "改名"}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.is_active and person.is_staff and person.name != "改名"
    assert client.get(f"/admin/cluster_platform/user/{person.pk}/password/").status_code == 403


def test_the_superusers_admin_actions_go_through_the_services(world, client):
    from knox.models import AuthToken

    from cluster_platform.services import auth_token_create
    from policies.models import Policy

    operator = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(operator)
    draft = Policy.objects.get(title="全国草稿")
    published = Policy.objects.get(title="全国政策")
    response = client.post(
        "/admin/policies/policy/",
        {"action": "publish", ACTION_CHECKBOX_NAME: [str(draft.pk), str(published.pk)]},
        follow=True,
    )
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published_on is not None
    # The service refuses to publish a published policy; the page says so.
    assert any(message.level_tag == "error" for message in response.context["messages"])

    person = member_user(world.a).user
    token, _key = auth_token_create(user=person)
    client.post("/admin/knox/authtoken/", {"action": "revoke", ACTION_CHECKBOX_NAME: [token.pk]})
    assert not AuthToken.objects.filter(user=person).exists()


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
        "cluster_platform/clusterstaff": ClusterStaff.objects.filter(cluster=world.a),
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
