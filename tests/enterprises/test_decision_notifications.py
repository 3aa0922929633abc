"""Agency decisions on memberships tell the enterprise's users, in-app and by email."""

import pytest
from django.core import mail

from cluster_platform.models import Notification
from enterprises.models import MembershipStatus
from tests.cluster_platform.factories import ClusterFactory, ClusterStaffFactory, UserFactory
from tests.enterprises.factories import EnterpriseFactory, EnterpriseUserFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    cluster = ClusterFactory()
    operator = ClusterStaffFactory(cluster=cluster, role="operator").user
    enterprise = EnterpriseFactory()
    users = [EnterpriseUserFactory(enterprise=enterprise, user=UserFactory()).user for _n in range(2)]
    return cluster, operator, enterprise, users


@pytest.mark.parametrize(
    ("decision", "body", "status"),
    [("approve", {}, "approved"), ("reject", {"reason": "材料不全"}, "rejected")],
)
def test_a_membership_decision_notifies_the_enterprises_users(
    scene, client_for, django_capture_on_commit_callbacks, decision, body, status
):
    cluster, operator, enterprise, users = scene
    membership = MembershipFactory(cluster=cluster, enterprise=enterprise, status=MembershipStatus.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(operator).post(
            f"/api/v1/clusters/{cluster.slug}/memberships/{membership.pk}/{decision}/", body, format="json"
        )
    assert response.status_code == 200, response.content
    notes = Notification.objects.filter(kind=f"membership.{status}", target_id=str(membership.pk))
    assert sorted(n.user_id for n in notes) == sorted(u.pk for u in users)
    assert all(n.cluster_id == cluster.pk for n in notes)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    if decision == "reject":
        assert "材料不全" in notes[0].body
