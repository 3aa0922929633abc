import pytest
from django.utils import timezone

from cluster_platform.models import AuditLog
from enterprises.models import Enterprise, MembershipStatus
from tests.enterprises.conftest import ROLES
from tests.enterprises.factories import EnterpriseFactory, EnterpriseUserFactory, MembershipFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/clusters/wuxi-iot/members/"
CONTACT = {"contact_name", "contact_phone", "contact_email"}


@pytest.fixture
def directory(people):
    """Besides the SME and the partner: a pending, a suspended and a rejected applicant, and
    an approved member of another cluster."""
    for status in (MembershipStatus.PENDING, MembershipStatus.SUSPENDED, MembershipStatus.REJECTED):
        MembershipFactory(cluster=people.cluster, enterprise__name=f"{status} 企业", status=status)
    MembershipFactory(cluster=people.other_cluster, enterprise__name="别的集群企业")
    return people


def _names(response):
    return [row["name"] for row in response.json()["results"]]


@pytest.mark.parametrize("role", ROLES)
def test_who_may_see_the_directory(client_for, directory, role):
    response = client_for(directory.user(role)).get(BASE)

    if role in ("anonymous",):
        assert response.status_code == 401
    elif role == "other_staff":
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert sorted(_names(response)) == sorted([directory.sme.name, directory.partner.name])


def test_users_of_non_member_enterprises_are_refused(client_for, directory):
    applicant = EnterpriseUserFactory()
    MembershipFactory(cluster=directory.cluster, enterprise=applicant.enterprise, status="pending")

    assert client_for(applicant.user).get(BASE).status_code == 403


def test_staff_see_contact_details_members_do_not(client_for, people):
    people.partner.contact_name = "李经理"
    people.partner.contact_phone = "13800000000"
    people.partner.save()

    staff_row = next(
        row
        for row in client_for(people.viewer).get(BASE).json()["results"]
        if row["id"] == str(people.partner.id)
    )
    member_row = next(
        row
        for row in client_for(people.sme_user).get(BASE).json()["results"]
        if row["id"] == str(people.partner.id)
    )

    assert staff_row["contact_name"] == "李经理"
    assert staff_row["contact_phone"] == "13800000000"
    assert CONTACT.isdisjoint(member_row)
    assert "operating_revenue" not in member_row
    assert member_row["roles"] == [{"role": "partner", "partner_tier": "certified"}]
    detail = client_for(people.sme_user).get(f"{BASE}{people.partner.id}/").json()
    assert CONTACT.isdisjoint(detail)


def test_an_enterprise_in_both_roles_is_listed_once(client_for, people):
    MembershipFactory(
        cluster=people.cluster, enterprise=people.sme, role="partner", partner_tier="registered"
    )

    response = client_for(people.admin).get(BASE)

    rows = [row for row in response.json()["results"] if row["id"] == str(people.sme.id)]
    assert len(rows) == 1
    assert [r["role"] for r in rows[0]["roles"]] == ["partner", "sme"]
    assert response.json()["count"] == 2


def test_directory_filters(client_for, people):
    extra = EnterpriseFactory(
        name="苏州锦绣服饰有限公司",
        region_code="320505",
        industry_code="C18",
        size_class="micro",
        verified_at=timezone.now(),
    )
    MembershipFactory(cluster=people.cluster, enterprise=extra)
    client = client_for(people.admin)

    assert _names(client.get(BASE, {"role": "partner"})) == [people.partner.name]
    assert _names(client.get(BASE, {"industry": "c39"})) == [people.sme.name]
    assert _names(client.get(BASE, {"industry": "I65"})) == [people.partner.name]
    assert _names(client.get(BASE, {"region": "320500"})) == [extra.name]
    assert _names(client.get(BASE, {"region": "320000"})) == sorted(
        [extra.name, people.sme.name, people.partner.name]
    )
    assert _names(client.get(BASE, {"region": "110000"})) == []
    assert _names(client.get(BASE, {"size_class": "micro"})) == [extra.name]
    assert _names(client.get(BASE, {"verified": "true"})) == [extra.name]
    assert extra.name not in _names(client.get(BASE, {"verified": "false"}))
    assert _names(client.get(BASE, {"search": "锦绣"})) == [extra.name]


def test_directory_order_is_by_name(client_for, people):
    names = _names(client_for(people.admin).get(BASE))
    assert names == sorted(names)


def test_directory_query_count_is_flat(client_for, people, django_assert_max_num_queries):
    for _ in range(12):
        MembershipFactory(cluster=people.cluster)
    client = client_for(people.viewer)

    with django_assert_max_num_queries(8):
        response = client.get(BASE)

    assert response.json()["count"] == 14


# --- verification ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_deciding_staff_verify(client_for, people, role):
    response = client_for(people.user(role)).post(f"{BASE}{people.sme.id}/verify/")

    people.sme.refresh_from_db()
    if role in ("operator", "admin"):
        assert response.status_code == 200
        assert response.json()["verified"] is True
        assert people.sme.verified_by == people.user(role)
        entry = AuditLog.objects.get()
        assert (entry.action, entry.before["verified_at"]) == ("enterprise.verified", None)
        assert entry.after["verified_at"] is not None
    else:
        assert response.status_code in (401, 403, 404)
        assert people.sme.verified_at is None
        assert not AuditLog.objects.exists()


def test_pending_applicants_can_be_verified_rejected_and_foreign_ones_cannot(client_for, people):
    pending = MembershipFactory(cluster=people.cluster, status="pending").enterprise
    rejected = MembershipFactory(cluster=people.cluster, status="rejected").enterprise
    foreign = MembershipFactory(cluster=people.other_cluster).enterprise
    client = client_for(people.admin)

    assert client.post(f"{BASE}{pending.id}/verify/").status_code == 200
    assert client.post(f"{BASE}{rejected.id}/verify/").status_code == 404
    assert client.post(f"{BASE}{foreign.id}/verify/").status_code == 404
    assert Enterprise.objects.filter(verified_at__isnull=False).count() == 1


def test_unverify_clears_and_is_logged(client_for, people):
    client = client_for(people.operator)
    client.post(f"{BASE}{people.sme.id}/verify/")

    response = client.post(f"{BASE}{people.sme.id}/unverify/")

    assert response.status_code == 200
    people.sme.refresh_from_db()
    assert people.sme.verified_at is None
    assert list(AuditLog.objects.order_by("created_at").values_list("action", flat=True)) == [
        "enterprise.verified",
        "enterprise.unverified",
    ]


@pytest.mark.parametrize("value", ["maybe", "2", "truee"])
def test_an_unknown_boolean_filter_value_is_a_400_not_ignored(client_for, people, value):
    response = client_for(people.admin).get(BASE, {"verified": value})

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "verified"
