"""Platform operations through /api/v1/clusters/: create, change, deactivate, appoint, audited."""

import pytest

from cluster_platform.models import AuditLog, Cluster, ClusterStaff
from console.services.stats import default_range, stats_get
from console.tasks import stats_refresh_all
from enterprises.models import Membership
from tests.cluster_platform.factories import ClusterFactory, ClusterStaffFactory, UserFactory
from tests.enterprises.factories import MembershipFactory, member_user

pytestmark = pytest.mark.django_db

NEW = {
    "slug": "gd-jewellery",
    "name": "广东珠宝首饰产业集群",
    "name_en": "Guangdong jewellery cluster",
    "region_code": "440300",
    "agency_name": "珠宝首饰集群促进中心",
}


@pytest.fixture
def operator():
    return UserFactory(is_superuser=True, is_staff=True)


def test_an_operator_creates_a_cluster_with_its_first_admin(client_for, operator):
    future_admin = UserFactory(email="admin@gd-jewellery.example")
    response = client_for(operator).post(
        "/api/v1/clusters/", {**NEW, "first_admin_email": future_admin.email}, format="json"
    )
    assert response.status_code == 201, response.content
    cluster = Cluster.objects.get(slug="gd-jewellery")
    assert response.json()["is_active"] is True
    assert ClusterStaff.objects.get(cluster=cluster, user=future_admin).role == "admin"
    actions = list(
        AuditLog.objects.filter(cluster=cluster).order_by("created_at").values_list("action", "actor")
    )
    assert actions == [("cluster.created", operator.pk), ("staff.added", operator.pk)]
    # The new admin works in the new cluster at once.
    assert client_for(future_admin).get("/api/v1/clusters/gd-jewellery/staff/").status_code == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slug": "Bad Slug"}, "slug"),
        ({"region_code": "999999"}, "region_code"),
        ({"name": ""}, "name"),
        ({"first_admin_email": "nobody@example.com"}, "email"),
    ],
)
def test_bad_cluster_input_is_a_field_error_and_writes_nothing(client_for, operator, changes, field):
    response = client_for(operator).post("/api/v1/clusters/", {**NEW, **changes}, format="json")
    assert response.status_code == 400, response.content
    assert field in [error["attr"] for error in response.json()["errors"]]
    assert not Cluster.objects.filter(slug=NEW["slug"]).exists()
    assert not AuditLog.objects.exists()


def test_a_duplicate_slug_is_refused(client_for, operator):
    ClusterFactory(slug=NEW["slug"])
    response = client_for(operator).post("/api/v1/clusters/", NEW, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "slug"


@pytest.mark.parametrize("who", ["anonymous", "agency_admin", "member"])
def test_only_operators_run_clusters(client_for, who):
    cluster = ClusterFactory()
    user = {
        "anonymous": lambda: None,
        "agency_admin": lambda: ClusterStaffFactory(cluster=cluster).user,
        "member": lambda: member_user(cluster).user,
    }[who]()
    client = client_for(user)
    assert client.post("/api/v1/clusters/", NEW, format="json").status_code in (401, 403)
    assert client.patch(f"/api/v1/clusters/{cluster.slug}/", {"name": "x"}, format="json").status_code in (
        401,
        403,
    )
    assert client.post(f"/api/v1/clusters/{cluster.slug}/deactivate/").status_code in (401, 403)
    assert client.post(
        f"/api/v1/clusters/{cluster.slug}/admins/", {"email": "a@b.c"}, format="json"
    ).status_code in (
        401,
        403,
    )
    cluster.refresh_from_db()
    assert cluster.is_active and cluster.name != "x"
    assert client.get("/api/v1/clusters/").status_code == 200  # the list stays public


def test_an_operator_changes_a_cluster_and_the_change_is_audited(client_for, operator):
    cluster = ClusterFactory()
    response = client_for(operator).patch(
        f"/api/v1/clusters/{cluster.slug}/", {"name": "新名称"}, format="json"
    )
    assert response.status_code == 200 and response.json()["name"] == "新名称"
    entry = AuditLog.objects.get(cluster=cluster, action="cluster.updated")
    assert entry.after == {"name": "新名称"} and entry.actor == operator
    refused = client_for(operator).patch(
        f"/api/v1/clusters/{cluster.slug}/", {"region_code": "12"}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["attr"] == "region_code"


def test_a_deactivated_cluster_answers_404_stops_its_schedule_and_loses_nothing(client_for, operator):
    cluster = ClusterFactory()
    admin = ClusterStaffFactory(cluster=cluster).user
    MembershipFactory(cluster=cluster)
    members = Membership.objects.filter(cluster=cluster).count()
    first, last = default_range()
    computed = stats_get(clusters=[cluster], first=first, last=last)["computed_at"]

    response = client_for(operator).post(f"/api/v1/clusters/{cluster.slug}/deactivate/")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert client_for(admin).get(f"/api/v1/clusters/{cluster.slug}/memberships/").status_code == 404
    assert client_for(admin).get(f"/api/v1/clusters/{cluster.slug}/stats/").status_code == 404
    assert client_for(None).get(f"/api/v1/clusters/{cluster.slug}/").status_code == 404
    assert cluster.slug not in [
        c["slug"] for c in client_for(None).get("/api/v1/clusters/").json()["results"]
    ]
    listed = client_for(operator).get("/api/v1/clusters/", {"include_inactive": "true"}).json()["results"]
    assert cluster.slug in [c["slug"] for c in listed]
    stats_refresh_all()
    assert stats_get(clusters=[cluster], first=first, last=last)["computed_at"] == computed
    assert Membership.objects.filter(cluster=cluster).count() == members
    assert AuditLog.objects.filter(cluster=cluster, action="cluster.deactivated", actor=operator).exists()

    assert client_for(operator).post(f"/api/v1/clusters/{cluster.slug}/reactivate/").status_code == 200
    assert client_for(admin).get(f"/api/v1/clusters/{cluster.slug}/memberships/").status_code == 200


def test_an_operator_appoints_an_agency_admin(client_for, operator):
    cluster = ClusterFactory()
    person = UserFactory()
    response = client_for(operator).post(
        f"/api/v1/clusters/{cluster.slug}/admins/", {"email": person.email}, format="json"
    )
    assert response.status_code == 201
    assert ClusterStaff.objects.get(cluster=cluster, user=person).role == "admin"
    again = client_for(operator).post(
        f"/api/v1/clusters/{cluster.slug}/admins/", {"email": person.email}, format="json"
    )
    assert again.status_code == 409
    unknown = client_for(operator).post(
        f"/api/v1/clusters/{cluster.slug}/admins/", {"email": "x@y.z"}, format="json"
    )
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["attr"] == "email"


def test_a_deactivated_clusters_stalled_match_runs_are_not_resumed(operator):
    from datetime import timedelta

    from django.utils import timezone

    from matching.models import MatchRun, MatchRunStatus
    from matching.services import match_runs_resume

    active, inactive = ClusterFactory(), ClusterFactory(is_active=False)
    long_ago = timezone.now() - timedelta(hours=2)
    for cluster in (active, inactive):
        run = MatchRun.objects.create(cluster=cluster, trigger="manual", status=MatchRunStatus.PENDING)
        MatchRun.objects.filter(pk=run.pk).update(created_at=long_ago, heartbeat_at=long_ago)
    assert match_runs_resume(stale_after=timedelta(minutes=10)) == 1
    assert MatchRun.objects.get(cluster=inactive).heartbeat_at == long_ago
