"""Verification is platform-wide but owned by the verifying cluster: another cluster's agency can
neither undo nor overwrite it, an owner's edit of the verified facts clears it, and every change is
in the verifying cluster's audit log."""

import pytest
from django.core.exceptions import PermissionDenied

from cluster_platform.models import AuditLog
from enterprises.models import MembershipStatus
from enterprises.services.enterprises import enterprise_unverify_by_platform
from tests.enterprises.factories import MembershipFactory

pytestmark = pytest.mark.django_db

A = "/api/v1/clusters/wuxi-iot/members/"
B = "/api/v1/clusters/gd-bags/members/"


@pytest.fixture
def verified_by_a(client_for, people):
    """The SME, verified by cluster A's operator, has applied to cluster B (pending)."""
    MembershipFactory(cluster=people.other_cluster, enterprise=people.sme, status=MembershipStatus.PENDING)
    assert client_for(people.operator).post(f"{A}{people.sme.id}/verify/").status_code == 200
    people.sme.refresh_from_db()
    return people


def _actions(cluster):
    return list(
        AuditLog.objects.filter(cluster=cluster).order_by("created_at").values_list("action", flat=True)
    )


def test_another_cluster_cannot_unverify(client_for, verified_by_a):
    people = verified_by_a
    verified_at = people.sme.verified_at

    response = client_for(people.other_staff).post(f"{B}{people.sme.id}/unverify/")

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "conflict"
    people.sme.refresh_from_db()
    assert (people.sme.verified_at, people.sme.verified_cluster) == (verified_at, people.cluster)
    assert _actions(people.other_cluster) == []


def test_another_clusters_verify_does_not_overwrite_the_record(client_for, verified_by_a):
    people = verified_by_a
    before = (people.sme.verified_at, people.sme.verified_by, people.sme.verified_cluster)

    response = client_for(people.other_staff).post(f"{B}{people.sme.id}/verify/")

    assert response.status_code == 200 and response.json()["verified"] is True
    people.sme.refresh_from_db()
    assert (people.sme.verified_at, people.sme.verified_by, people.sme.verified_cluster) == before
    assert _actions(people.other_cluster) == []


def test_the_verifying_cluster_can_unverify_and_its_log_shows_both(client_for, verified_by_a):
    people = verified_by_a

    response = client_for(people.admin).post(f"{A}{people.sme.id}/unverify/")

    assert response.status_code == 200 and response.json()["verified"] is False
    assert _actions(people.cluster) == ["enterprise.verified", "enterprise.unverified"]
    entry = AuditLog.objects.get(action="enterprise.unverified")
    assert entry.before["verified_cluster"] == str(people.cluster.id)
    assert entry.after["verified_cluster"] is None


@pytest.mark.parametrize(
    "change",
    [
        {"name": "无锡感知科技集团有限公司"},
        {"region_code": "320211"},
        {"founded_on": "2001-01-01"},
        {"employees": 5000, "operating_revenue": "900000000.00"},  # facts behind the size class
    ],
)
def test_an_owners_edit_of_verified_facts_clears_the_verification(client_for, verified_by_a, change):
    people = verified_by_a

    response = client_for(people.sme_user).patch(f"/api/v1/enterprises/{people.sme.id}/", change)

    assert response.status_code == 200, response.json()
    assert response.json()["verified"] is False
    people.sme.refresh_from_db()
    assert people.sme.verified_at is None and people.sme.verified_cluster is None
    assert _actions(people.cluster) == ["enterprise.verified", "enterprise.verification_cleared"]
    entry = AuditLog.objects.get(action="enterprise.verification_cleared")
    assert entry.actor == people.sme_user
    assert set(change) <= set(entry.after["changed_facts"])
    assert _actions(people.other_cluster) == []


def test_an_edit_of_other_fields_or_the_same_values_keeps_the_verification(client_for, verified_by_a):
    people = verified_by_a
    client = client_for(people.sme_user)

    response = client.patch(
        f"/api/v1/enterprises/{people.sme.id}/",
        {"name": people.sme.name, "description": "传感器研发", "website": "https://example.com"},
    )

    assert response.status_code == 200
    assert response.json()["verified"] is True
    assert _actions(people.cluster) == ["enterprise.verified"]


def test_a_platform_operator_can_revoke_and_the_verifying_cluster_sees_it(verified_by_a, platform_operator):
    people = verified_by_a

    enterprise_unverify_by_platform(enterprise=people.sme, by=platform_operator)

    people.sme.refresh_from_db()
    assert people.sme.verified_at is None
    assert _actions(people.cluster) == ["enterprise.verified", "enterprise.unverified_by_platform"]
    with pytest.raises(PermissionDenied):
        enterprise_unverify_by_platform(enterprise=people.sme, by=people.admin)
