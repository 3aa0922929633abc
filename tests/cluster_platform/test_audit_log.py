import pytest

from cluster_platform.services import audit_record
from tests.cluster_platform.factories import ClusterFactory, ClusterStaffFactory
from tests.enterprises.factories import EnterpriseFactory
from tests.utils import assert_queries_constant

pytestmark = pytest.mark.django_db


def _url(cluster, suffix=""):
    return f"/api/v1/clusters/{cluster.slug}/audit-log/{suffix}"


@pytest.mark.parametrize("role", ["admin", "operator", "viewer"])
def test_staff_read_their_clusters_audit_log_newest_first(client_for, role):
    cluster, other = ClusterFactory(), ClusterFactory()
    staff = ClusterStaffFactory(cluster=cluster, role=role).user
    enterprise = EnterpriseFactory()
    first = audit_record(cluster=cluster, actor=staff, action="enterprise.verify", target=enterprise)
    second = audit_record(cluster=cluster, actor=staff, action="membership.approve", target=enterprise)
    audit_record(cluster=other, actor=None, action="membership.approve", target=enterprise)

    body = client_for(staff).get(_url(cluster)).json()

    assert [entry["id"] for entry in body["results"]] == [str(second.id), str(first.id)]
    assert body["results"][0]["actor_name"] == staff.name


def test_audit_log_filters_by_action(client_for, cluster, staff_user):
    enterprise = EnterpriseFactory()
    audit_record(cluster=cluster, actor=staff_user, action="enterprise.verify", target=enterprise)
    approve = audit_record(cluster=cluster, actor=staff_user, action="membership.approve", target=enterprise)

    body = client_for(staff_user).get(_url(cluster), {"action": "membership.approve"}).json()

    assert [entry["id"] for entry in body["results"]] == [str(approve.id)]


@pytest.mark.parametrize("who", ["anonymous", "sme", "partner", "other-cluster-admin"])
def test_non_staff_cannot_read_the_audit_log(client_for, cluster, member_user_factory, who):
    entry = audit_record(cluster=cluster, actor=None, action="x", target=cluster)
    user = {
        "anonymous": lambda: None,
        "sme": lambda: member_user_factory(cluster, role="sme"),
        "partner": lambda: member_user_factory(cluster, role="partner"),
        "other-cluster-admin": lambda: ClusterStaffFactory().user,
    }[who]()
    client = client_for(user)

    assert client.get(_url(cluster)).status_code in (401, 403)
    assert client.get(_url(cluster, f"{entry.id}/")).status_code in (401, 403)


def test_another_clusters_entry_answers_404(client_for, cluster, staff_user):
    elsewhere = audit_record(cluster=ClusterFactory(), actor=None, action="x", target=cluster)

    response = client_for(staff_user).get(_url(cluster, f"{elsewhere.id}/"))

    assert response.status_code == 404


def test_audit_log_query_count_is_constant(client_for, cluster, staff_user):
    def make_rows(n):
        for _ in range(n):
            actor = ClusterStaffFactory(cluster=cluster, role="operator").user
            audit_record(cluster=cluster, actor=actor, action="enterprise.verify", target=EnterpriseFactory())

    assert_queries_constant(client_for(staff_user), _url(cluster), make_rows)
