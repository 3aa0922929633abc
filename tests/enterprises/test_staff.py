import pytest

from cluster_platform.models import AuditLog, ClusterStaff
from tests.cluster_platform.factories import ClusterStaffFactory, UserFactory
from tests.enterprises.conftest import ROLES

pytestmark = pytest.mark.django_db

BASE = "/api/v1/clusters/wuxi-iot/staff/"


@pytest.mark.parametrize("role", ROLES)
def test_staff_read_the_roster(client_for, people, role):
    response = client_for(people.user(role)).get(BASE)

    if role in ("viewer", "operator", "admin"):
        assert response.status_code == 200
        assert {row["email"] for row in response.json()["results"]} == {
            people.admin.email,
            people.operator.email,
            people.viewer.email,
        }
    else:
        assert response.status_code in (401, 403)


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_add_staff(client_for, people, role):
    newcomer = UserFactory()

    response = client_for(people.user(role)).post(
        BASE, {"email": newcomer.email, "role": "operator"}, format="json"
    )

    added = ClusterStaff.objects.filter(cluster=people.cluster, user=newcomer).exists()
    if role == "admin":
        assert response.status_code == 201
        assert added
        entry = AuditLog.objects.get()
        assert (entry.action, entry.after) == ("staff.added", {"role": "operator"})
    else:
        assert response.status_code in (401, 403)
        assert not added
        assert not AuditLog.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "ghost@example.com", "role": "viewer"}, "email"),
        ({"email": "x@example.com", "role": "boss"}, "role"),
    ],
)
def test_adding_bad_input_is_a_field_error(client_for, people, data, field):
    UserFactory(email="x@example.com")

    response = client_for(people.admin).post(BASE, data, format="json")

    assert response.status_code == 400
    assert field in {error["attr"] for error in response.json()["errors"]}
    assert ClusterStaff.objects.filter(cluster=people.cluster).count() == 3


def test_adding_existing_staff_answers_409(client_for, people):
    response = client_for(people.admin).post(
        BASE, {"email": people.viewer.email, "role": "admin"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["errors"][0]["attr"] == "email"
    assert ClusterStaff.objects.get(cluster=people.cluster, user=people.viewer).role == "viewer"


def test_admin_changes_a_role_and_removes_staff(client_for, people):
    viewer = ClusterStaff.objects.get(cluster=people.cluster, user=people.viewer)
    client = client_for(people.admin)

    assert client.patch(f"{BASE}{viewer.id}/", {"role": "operator"}, format="json").status_code == 200
    viewer.refresh_from_db()
    assert viewer.role == "operator"
    assert client.delete(f"{BASE}{viewer.id}/").status_code == 204
    assert not ClusterStaff.objects.filter(pk=viewer.pk).exists()
    assert list(AuditLog.objects.order_by("created_at").values_list("action", flat=True)) == [
        "staff.role_changed",
        "staff.removed",
    ]


def test_the_last_admin_cannot_be_removed_or_demoted(client_for, people):
    admin = ClusterStaff.objects.get(cluster=people.cluster, user=people.admin)
    client = client_for(people.admin)

    assert client.patch(f"{BASE}{admin.id}/", {"role": "viewer"}, format="json").status_code == 409
    assert client.delete(f"{BASE}{admin.id}/").status_code == 409
    admin.refresh_from_db()
    assert admin.role == "admin"
    assert not AuditLog.objects.exists()


def test_with_a_second_admin_one_may_step_down(client_for, people):
    ClusterStaffFactory(cluster=people.cluster, role="admin")
    admin = ClusterStaff.objects.get(cluster=people.cluster, user=people.admin)

    response = client_for(people.admin).patch(f"{BASE}{admin.id}/", {"role": "viewer"}, format="json")

    assert response.status_code == 200


@pytest.mark.parametrize("role", ["operator", "viewer", "other_staff", "sme"])
def test_non_admins_cannot_change_or_remove(client_for, people, role):
    viewer = ClusterStaff.objects.get(cluster=people.cluster, user=people.viewer)
    client = client_for(people.user(role))

    assert client.patch(f"{BASE}{viewer.id}/", {"role": "admin"}, format="json").status_code in (403, 404)
    assert client.delete(f"{BASE}{viewer.id}/").status_code in (403, 404)
    viewer.refresh_from_db()
    assert viewer.role == "viewer"


def test_another_clusters_staff_row_answers_404(client_for, people):
    foreign = ClusterStaff.objects.get(user=people.other_staff)

    response = client_for(people.admin).delete(f"{BASE}{foreign.id}/")

    assert response.status_code == 404
    assert ClusterStaff.objects.filter(pk=foreign.pk).exists()


def test_roster_query_count_is_flat(client_for, people, django_assert_max_num_queries):
    for _ in range(12):
        ClusterStaffFactory(cluster=people.cluster, role="viewer")

    with django_assert_max_num_queries(8):
        response = client_for(people.viewer).get(BASE)

    assert response.json()["count"] == 15
