"""Agency decisions on offerings tell the enterprise's users, in-app and by email."""

import pytest
from django.core import mail

from cluster_platform.models import Notification
from services.models import OfferingStatus
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
    ("decision", "body", "kind"),
    [("approve", {}, "offering.published"), ("reject", {"reason": "描述不清"}, "offering.rejected")],
)
def test_an_offering_decision_notifies_the_partners_users(
    scene, client_for, django_capture_on_commit_callbacks, decision, body, kind
):
    from tests.services.factories import OfferingFactory

    cluster, operator, partner, users = scene
    MembershipFactory(cluster=cluster, enterprise=partner, role="partner", partner_tier="certified")
    offering = OfferingFactory(
        cluster=cluster, partner=partner, status=OfferingStatus.PENDING, published_at=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(operator).post(
            f"/api/v1/clusters/{cluster.slug}/offerings/{offering.pk}/{decision}/", body, format="json"
        )
    assert response.status_code == 200, response.content
    notes = Notification.objects.filter(kind=kind, target_id=str(offering.pk))
    assert sorted(n.user_id for n in notes) == sorted(u.pk for u in users)
    assert len(mail.outbox) == len(users)
