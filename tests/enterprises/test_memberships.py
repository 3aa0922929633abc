import pytest

from cluster_platform.models import AuditLog
from enterprises.models import Membership, MembershipStatus
from tests.cluster_platform.factories import UserFactory
from tests.enterprises.conftest import ROLES
from tests.enterprises.factories import EnterpriseUserFactory, MembershipFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/clusters/wuxi-iot/memberships/"
WRITERS = {"operator", "admin"}


def _codes(response):
    return {error["attr"]: error["code"] for error in response.json()["errors"]}


@pytest.fixture
def applicant(people):
    """A user owning an enterprise that has not applied to the cluster yet."""
    return EnterpriseUserFactory(enterprise__name="新申请企业")


@pytest.fixture
def pending(people, applicant):
    return MembershipFactory(
        cluster=people.cluster, enterprise=applicant.enterprise, status=MembershipStatus.PENDING
    )


# --- applying -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["sme", "partner"])
def test_an_enterprise_user_applies_in_a_role(client_for, applicant, people, role):
    response = client_for(applicant.user).post(
        BASE,
        {"enterprise": str(applicant.enterprise.id), "role": role, "application_note": "请审核"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    membership = Membership.objects.get(cluster=people.cluster, enterprise=applicant.enterprise)
    assert (membership.role, membership.status, membership.applied_by) == (role, "pending", applicant.user)


def test_one_enterprise_may_apply_as_sme_and_as_partner(client_for, applicant, people):
    client = client_for(applicant.user)
    for role in ("sme", "partner"):
        response = client.post(
            BASE, {"enterprise": str(applicant.enterprise.id), "role": role}, format="json"
        )
        assert response.status_code == 201
    assert Membership.objects.filter(enterprise=applicant.enterprise).count() == 2


def test_a_duplicate_application_answers_409(client_for, pending, applicant):
    response = client_for(applicant.user).post(
        BASE, {"enterprise": str(applicant.enterprise.id), "role": "sme"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["errors"][0]["attr"] == "role"
    assert Membership.objects.filter(enterprise=applicant.enterprise).count() == 1


def test_a_rejected_enterprise_may_apply_again(client_for, pending, applicant):
    pending.status = MembershipStatus.REJECTED
    pending.decision_reason = "资料不全"
    pending.save()

    response = client_for(applicant.user).post(
        BASE, {"enterprise": str(applicant.enterprise.id), "role": "sme"}, format="json"
    )

    assert response.status_code == 201
    pending.refresh_from_db()
    assert (pending.status, pending.decision_reason) == ("pending", "")


def test_only_the_enterprises_users_may_apply_for_it(client_for, applicant, people):
    stranger = UserFactory()

    response = client_for(stranger).post(
        BASE, {"enterprise": str(applicant.enterprise.id), "role": "sme"}, format="json"
    )

    assert response.status_code == 400
    assert "enterprise" in _codes(response)
    assert not Membership.objects.filter(enterprise=applicant.enterprise).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"enterprise": None, "role": "sme"}, "enterprise"),
        ({"enterprise": "not-a-uuid", "role": "sme"}, "enterprise"),
        ({"role": "investor"}, "role"),
    ],
)
def test_bad_applications_answer_400(client_for, applicant, data, field):
    data = {"enterprise": str(applicant.enterprise.id), **data}
    data = {key: value for key, value in data.items() if value is not None}

    response = client_for(applicant.user).post(BASE, data, format="json")

    assert response.status_code == 400
    assert field in _codes(response)
    assert not Membership.objects.filter(enterprise=applicant.enterprise).exists()


def test_anonymous_cannot_apply(api_client, applicant, people):
    response = api_client.post(
        BASE, {"enterprise": str(applicant.enterprise.id), "role": "sme"}, format="json"
    )

    assert response.status_code == 401
    assert not Membership.objects.filter(enterprise=applicant.enterprise).exists()


# --- listing --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_staff_list_every_membership_with_filters(client_for, people, pending, role):
    client = client_for(people.user(role))

    everything = client.get(BASE).json()
    pending_only = client.get(BASE, {"status": "pending"}).json()
    partners = client.get(BASE, {"role": "partner"}).json()

    assert everything["count"] == 3
    assert [row["id"] for row in pending_only["results"]] == [str(pending.id)]
    assert [row["enterprise"]["id"] for row in partners["results"]] == [str(people.partner.id)]


def test_applicants_see_only_their_own_enterprises_memberships(client_for, people, pending, applicant):
    response = client_for(applicant.user).get(BASE)

    assert [row["id"] for row in response.json()["results"]] == [str(pending.id)]
    other = Membership.objects.get(enterprise=people.sme)
    assert client_for(applicant.user).get(f"{BASE}{other.id}/").status_code == 404


def test_other_clusters_staff_see_nothing(client_for, people, pending):
    client = client_for(people.other_staff)

    assert client.get(BASE).json()["count"] == 0
    assert client.get(f"{BASE}{pending.id}/").status_code == 404


def test_membership_list_query_count_is_flat(client_for, people, django_assert_max_num_queries):
    client = client_for(people.admin)
    for _ in range(12):
        MembershipFactory(cluster=people.cluster, status=MembershipStatus.PENDING)

    with django_assert_max_num_queries(8):
        response = client.get(BASE)

    assert response.json()["count"] == 14


# --- decisions ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_and_operators_approve(client_for, people, pending, role):
    response = client_for(people.user(role)).post(f"{BASE}{pending.id}/approve/")

    pending.refresh_from_db()
    if role in WRITERS:
        assert response.status_code == 200
        assert pending.status == "approved"
        assert pending.decided_by == people.user(role)
    else:
        assert response.status_code in (401, 403, 404)
        assert pending.status == "pending"
        assert not AuditLog.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_and_operators_reject(client_for, people, pending, role):
    response = client_for(people.user(role)).post(
        f"{BASE}{pending.id}/reject/", {"reason": "不符合"}, format="json"
    )

    pending.refresh_from_db()
    assert (pending.status == "rejected") == (role in WRITERS)
    if role not in WRITERS:
        assert response.status_code in (401, 403, 404)
        assert not AuditLog.objects.exists()


def test_approval_is_audit_logged_with_before_and_after(client_for, people, pending):
    client_for(people.operator).post(f"{BASE}{pending.id}/approve/")

    entry = AuditLog.objects.get()
    assert entry.cluster == people.cluster
    assert entry.actor == people.operator
    assert entry.action == "membership.approved"
    assert entry.target_id == str(pending.id)
    assert entry.before["status"] == "pending"
    assert entry.after["status"] == "approved"


def test_rejecting_needs_a_reason(client_for, people, pending):
    response = client_for(people.admin).post(f"{BASE}{pending.id}/reject/", {"reason": "  "}, format="json")

    assert response.status_code == 400
    assert "reason" in _codes(response)
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert not AuditLog.objects.exists()


def test_suspend_needs_a_reason_and_a_suspended_member_can_be_reinstated(client_for, people):
    membership = Membership.objects.get(enterprise=people.sme)
    client = client_for(people.admin)

    assert client.post(f"{BASE}{membership.id}/suspend/", {}, format="json").status_code == 400
    response = client.post(f"{BASE}{membership.id}/suspend/", {"reason": "违规"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "suspended"
    assert response.json()["decision_reason"] == "违规"

    response = client.post(f"{BASE}{membership.id}/approve/")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert list(AuditLog.objects.order_by("created_at").values_list("action", flat=True)) == [
        "membership.suspended",
        "membership.reinstated",
    ]


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("approved", "approve"),
        ("approved", "reject"),
        ("rejected", "approve"),
        ("rejected", "suspend"),
        ("pending", "suspend"),
        ("suspended", "reject"),
        ("suspended", "suspend"),
    ],
)
def test_invalid_transitions_answer_409(client_for, people, pending, status, action):
    pending.status = status
    pending.save()

    response = client_for(people.admin).post(f"{BASE}{pending.id}/{action}/", {"reason": "x"}, format="json")

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "invalid_transition"
    pending.refresh_from_db()
    assert pending.status == status
    assert not AuditLog.objects.exists()


def test_approving_a_partner_gives_it_the_registered_tier(client_for, people, applicant):
    membership = MembershipFactory(
        cluster=people.cluster, enterprise=applicant.enterprise, role="partner", status="pending"
    )

    response = client_for(people.admin).post(f"{BASE}{membership.id}/approve/")

    assert response.json()["partner_tier"] == "registered"


def test_agency_sets_a_partners_tier(client_for, people):
    membership = Membership.objects.get(enterprise=people.partner)

    response = client_for(people.operator).post(f"{BASE}{membership.id}/tier/", {"partner_tier": "strategic"})

    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.partner_tier == "strategic"
    entry = AuditLog.objects.get()
    assert (entry.action, entry.before["partner_tier"], entry.after["partner_tier"]) == (
        "membership.tier_changed",
        "certified",
        "strategic",
    )


def test_smes_have_no_tier(client_for, people):
    membership = Membership.objects.get(enterprise=people.sme)

    response = client_for(people.admin).post(f"{BASE}{membership.id}/tier/", {"partner_tier": "certified"})

    assert response.status_code == 400
    assert "partner_tier" in _codes(response)
    membership.refresh_from_db()
    assert membership.partner_tier == ""


def test_unknown_tier_is_a_field_error(client_for, people):
    membership = Membership.objects.get(enterprise=people.partner)

    response = client_for(people.admin).post(f"{BASE}{membership.id}/tier/", {"partner_tier": "gold"})

    assert response.status_code == 400
    membership.refresh_from_db()
    assert membership.partner_tier == "certified"


@pytest.mark.parametrize("role", ["anonymous", "other_staff", "sme", "partner", "viewer"])
def test_tier_is_for_deciding_staff_only(client_for, people, role):
    membership = Membership.objects.get(enterprise=people.partner)

    response = client_for(people.user(role)).post(
        f"{BASE}{membership.id}/tier/", {"partner_tier": "strategic"}
    )

    assert response.status_code in (401, 403, 404)
    membership.refresh_from_db()
    assert membership.partner_tier == "certified"
