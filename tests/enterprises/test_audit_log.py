from datetime import timedelta

import pytest
from django.utils import timezone

from cluster_platform.models import AuditLog
from cluster_platform.services import audit_record
from tests.enterprises.conftest import ROLES

pytestmark = pytest.mark.django_db

BASE = "/api/v1/clusters/wuxi-iot/audit-log/"


@pytest.fixture
def entries(people):
    first = audit_record(cluster=people.cluster, actor=people.admin, action="staff.added", target=people.sme)
    second = audit_record(
        cluster=people.cluster, actor=people.operator, action="enterprise.verified", target=people.sme
    )
    audit_record(
        cluster=people.other_cluster, actor=people.other_staff, action="staff.added", target=people.sme
    )
    AuditLog.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=3))
    return first, second


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_read_the_audit_log(client_for, people, entries, role):
    response = client_for(people.user(role)).get(BASE)

    if role in ("viewer", "operator", "admin"):
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [str(entries[1].id), str(entries[0].id)]
    else:
        assert response.status_code in (401, 403)


def test_filters(client_for, people, entries):
    first, second = entries
    client = client_for(people.viewer)

    def ids(params):
        return [row["id"] for row in client.get(BASE, params).json()["results"]]

    assert ids({"action": "staff.added"}) == [str(first.id)]
    assert ids({"actor": str(people.operator.id)}) == [str(second.id)]
    assert ids({"target_type": "enterprises.enterprise", "target_id": str(people.sme.id)}) == [
        str(second.id),
        str(first.id),
    ]
    yesterday = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids({"created_after": yesterday}) == [str(second.id)]
    assert ids({"created_before": yesterday}) == [str(first.id)]


def test_bad_filter_values_are_field_errors(client_for, people):
    response = client_for(people.viewer).get(BASE, {"actor": "nobody", "created_after": "yesterday"})

    assert response.status_code == 400
    assert {error["attr"] for error in response.json()["errors"]} == {"actor", "created_after"}


def test_audit_log_query_count_is_flat(client_for, people, django_assert_max_num_queries):
    for _ in range(12):
        audit_record(cluster=people.cluster, actor=people.admin, action="x", target=people.sme)

    with django_assert_max_num_queries(8):
        response = client_for(people.viewer).get(BASE)

    assert response.json()["count"] == 12
