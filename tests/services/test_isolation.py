"""Cluster B's people cannot read or change cluster A's catalog rows (404, like a missing row)."""

import pytest

from cluster_platform.models import AuditLog
from services.models import Demand, Offering, OfferingRevision, OfferingStatus, RevisionStatus
from tests.tenancy.world import ATTACKER_ROLES, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


@pytest.mark.parametrize("role", ATTACKER_ROLES)
def test_attackers_from_b_get_404_on_a_rows(client_for, world, role):
    client = client_for(world.b.user_for(role))
    a = world.a.cluster
    pending = Offering.objects.get(cluster=a, status=OfferingStatus.PENDING)
    draft = Offering.objects.get(cluster=a, status=OfferingStatus.DRAFT)
    revision = OfferingRevision.objects.get(cluster=a, status=RevisionStatus.PENDING)
    demand = Demand.objects.filter(cluster=a, visible_to_partners=True).get()
    base = f"/api/v1/clusters/{a.slug}"
    audit_entries = AuditLog.objects.count()

    assert client.get(f"{base}/offerings/{draft.id}/").status_code == 404
    assert client.post(f"{base}/offerings/{pending.id}/approve/").status_code in (401, 403, 404)
    assert client.patch(f"{base}/offerings/{draft.id}/", {"title": "x"}, format="json").status_code in (
        401,
        403,
        404,
    )
    assert client.post(f"{base}/offering-revisions/{revision.id}/approve/").status_code in (401, 403, 404)
    assert client.get(f"{base}/demands/{demand.id}/").status_code in (401, 403, 404)
    assert client.post(f"{base}/demands/{demand.id}/cancel/").status_code in (401, 403, 404)

    pending.refresh_from_db()
    revision.refresh_from_db()
    demand.refresh_from_db()
    assert pending.status == OfferingStatus.PENDING and revision.status == RevisionStatus.PENDING
    assert demand.status == "open"
    assert AuditLog.objects.count() == audit_entries


def test_b_staff_cannot_act_on_a_rows_through_their_own_cluster(client_for, world):
    pending = Offering.objects.get(cluster=world.a.cluster, status=OfferingStatus.PENDING)
    client = client_for(world.b.admin)
    response = client.post(f"/api/v1/clusters/{world.b.cluster.slug}/offerings/{pending.id}/approve/")
    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.status == OfferingStatus.PENDING


def test_public_ids_are_readable_by_anyone(api_client, world):
    public_offerings = Offering.objects.filter(id__in=world.public_ids).values_list("id", flat=True)
    assert public_offerings
    for offering_id in public_offerings:
        response = api_client.get(f"/api/v1/clusters/{world.a.cluster.slug}/offerings/{offering_id}/")
        assert response.status_code == 200
