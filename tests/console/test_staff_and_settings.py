"""The agency's staff and its cluster's settings in the console: its admins change them through
the services the API calls (audit log, last-admin protection, validation); nobody else does."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from cluster_platform.models import AuditLog, ClusterStaff
from matching.models import MatchingWeights
from matching.selectors import weights_for
from programmes.models import PartnerTierCriteria
from programmes.selectors.partners import tier_criteria_get
from tests.cluster_platform.factories import ClusterStaffFactory, UserFactory
from tests.console import stats_world

pytestmark = pytest.mark.django_db

STAFF = "/console/cluster_platform/clusterstaff/"
SETTINGS = "/console/settings/"


@pytest.fixture
def world():
    return stats_world.build()


def _signed_in(client, cluster, role):
    user = ClusterStaffFactory(cluster=cluster, role=role).user
    client.force_login(user)
    return user


def _settings_data(cluster, section: str, **changes) -> dict:
    current = weights_for(cluster=cluster) if section == "matching" else tier_criteria_get(cluster=cluster)
    from console.admin.cluster_settings import SECTIONS

    form = next(s.form for s in SECTIONS if s.prefix == section)
    data = {f"{section}-{name}": getattr(current, name) for name in form.base_fields}
    data.update({f"{section}-{name}": value for name, value in changes.items()})
    return {"section": section, **data}


def test_an_admin_adds_changes_and_removes_staff_through_the_services(world, client):
    admin_user = _signed_in(client, world.a, "admin")
    listing = client.get(STAFF).content.decode()
    for staff in ClusterStaff.objects.select_related("user"):
        assert (staff.user.email in listing) == (staff.cluster_id == world.a.pk)
    newcomer = UserFactory()

    form = client.get(f"{STAFF}add-staff/")
    assert form.status_code == 200 and 'name="email"' in form.content.decode()
    unknown = client.post(f"{STAFF}add-staff/", {"email": "nobody@example.com", "role": "operator"})
    assert unknown.status_code == 200 and unknown.context["form"].errors["email"]
    response = client.post(f"{STAFF}add-staff/", {"email": newcomer.email.upper(), "role": "operator"})
    assert response.status_code == 302
    staff = ClusterStaff.objects.get(cluster=world.a, user=newcomer)
    assert staff.role == "operator"
    again = client.post(f"{STAFF}add-staff/", {"email": newcomer.email, "role": "viewer"})
    assert again.status_code == 200 and again.context["form"].errors["email"]

    client.post(STAFF, {"action": "make_viewer", ACTION_CHECKBOX_NAME: [str(staff.pk)]})
    staff.refresh_from_db()
    assert staff.role == "viewer"
    client.post(STAFF, {"action": "remove_from_staff", ACTION_CHECKBOX_NAME: [str(staff.pk)]})
    assert not ClusterStaff.objects.filter(pk=staff.pk).exists()
    actions = list(
        AuditLog.objects.filter(cluster=world.a, target_id=str(staff.pk))
        .order_by("created_at")
        .values_list("action", "actor")
    )
    assert actions == [
        ("staff.added", admin_user.pk),
        ("staff.role_changed", admin_user.pk),
        ("staff.removed", admin_user.pk),
    ]


def test_the_last_admin_is_kept(world, client):
    _signed_in(client, world.a, "admin")
    admins = ClusterStaff.objects.filter(cluster=world.a, role="admin")
    assert admins.count() == 2
    response = client.post(
        STAFF,
        {
            "action": "make_operator",
            ACTION_CHECKBOX_NAME: [str(pk) for pk in admins.values_list("pk", flat=True)],
        },
        follow=True,
    )
    assert ClusterStaff.objects.filter(cluster=world.a, role="admin").count() == 1
    assert [m.level_tag for m in response.context["messages"]].count("error") == 1


@pytest.mark.parametrize("role", ["operator", "viewer"])
def test_operators_and_viewers_cannot_change_staff_or_settings(world, client, role):
    user = _signed_in(client, world.a, role)
    mine = ClusterStaff.objects.get(cluster=world.a, user=user)
    listing = client.get(STAFF)
    assert listing.status_code == 200 and 'value="make_admin"' not in listing.content.decode()
    client.post(STAFF, {"action": "make_admin", ACTION_CHECKBOX_NAME: [str(mine.pk)]})
    mine.refresh_from_db()
    assert mine.role == role
    assert client.get(f"{STAFF}add-staff/").status_code == 403
    assert (
        client.post(f"{STAFF}add-staff/", {"email": UserFactory().email, "role": "admin"}).status_code == 403
    )

    page = client.get(SETTINGS)
    assert page.status_code == 200 and "disabled" in page.content.decode()
    assert client.post(SETTINGS, _settings_data(world.a, "matching", top_n=3)).status_code == 403
    assert not MatchingWeights.objects.filter(cluster=world.a).exists()
    assert ClusterStaff.objects.filter(cluster=world.a).count() == 3 + 1  # the world's three, and this one


def test_an_admin_changes_the_cluster_settings_through_the_services(world, client):
    admin_user = _signed_in(client, world.a, "admin")
    response = client.post(SETTINGS, _settings_data(world.a, "matching", top_n=5, category=0.5))
    assert response.status_code == 302
    weights = MatchingWeights.objects.get(cluster=world.a)
    assert (weights.top_n, weights.category) == (5, 0.5)
    assert AuditLog.objects.filter(
        cluster=world.a, action="matching.weights_update", actor=admin_user
    ).exists()
    assert not MatchingWeights.objects.filter(cluster=world.b).exists()

    # A weight out of range (the model's bounds) and a strategic tier asking less than the certified
    # one (the service's rule) are errors on their fields, and nothing is written.
    out_of_range = client.post(SETTINGS, _settings_data(world.a, "matching", text=2))
    assert out_of_range.status_code == 200
    weights.refresh_from_db()
    assert weights.text != 2
    looser = client.post(
        SETTINGS, _settings_data(world.a, "tiers", certified_min_completed=8, strategic_min_completed=5)
    )
    assert looser.status_code == 200
    [(_section, form)] = [(s, f) for s, f in looser.context["sections"] if s.prefix == "tiers"]
    assert "strategic_min_completed" in form.errors
    assert not PartnerTierCriteria.objects.filter(cluster=world.a).exists()

    stricter = client.post(SETTINGS, _settings_data(world.a, "tiers", strategic_min_completed=12))
    assert stricter.status_code == 302
    assert PartnerTierCriteria.objects.get(cluster=world.a).strategic_min_completed == 12
    assert AuditLog.objects.filter(cluster=world.a, action="partner_tier_criteria.set").exists()


def test_an_admin_of_another_cluster_touches_nothing_of_the_first(world, client):
    _signed_in(client, world.b, "admin")
    a_staff = list(ClusterStaff.objects.filter(cluster=world.a).select_related("user"))
    listing = client.get(STAFF).content.decode()
    assert not any(staff.user.email in listing for staff in a_staff)
    client.post(STAFF, {"action": "remove_from_staff", ACTION_CHECKBOX_NAME: [str(s.pk) for s in a_staff]})
    client.post(STAFF, {"action": "make_viewer", ACTION_CHECKBOX_NAME: [str(s.pk) for s in a_staff]})
    assert [(s.pk, s.role) for s in ClusterStaff.objects.filter(cluster=world.a).order_by("pk")] == sorted(
        (s.pk, s.role) for s in a_staff
    )
    for staff in a_staff:
        page = client.get(f"{STAFF}{staff.pk}/change/", follow=True)
        assert staff.user.email not in page.content.decode()
    client.post(SETTINGS, _settings_data(world.b, "matching", top_n=7))
    assert not MatchingWeights.objects.filter(cluster=world.a).exists()
    assert MatchingWeights.objects.get(cluster=world.b).top_n == 7
