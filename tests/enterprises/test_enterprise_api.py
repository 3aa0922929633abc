import pytest
from stdnum.cn import uscc as stdnum_uscc

from cluster_platform.models import Notification
from enterprises.models import Enterprise, EnterpriseInvitation, EnterpriseRole, EnterpriseUser
from enterprises.uscc import uscc_compose
from tests.cluster_platform.factories import UserFactory
from tests.enterprises.factories import EnterpriseFactory, EnterpriseUserFactory

pytestmark = pytest.mark.django_db

VALID_USCC = uscc_compose(region_code="320214", serial=77_001)


def _payload(**overrides):
    data = {
        "uscc": VALID_USCC,
        "name": "无锡微纳传感有限公司",
        "region_code": "320214",
        "industry_code": "C3983",
        "employees": 120,
        "operating_revenue": "50000000.00",
        "rd_spend": "4000000.00",
        "founded_on": "2015-06-01",
        "qualifications": ["high_tech", "specialized_sme"],
        "contact_name": "张工",
        "contact_phone": "0510-88888888",
        "contact_email": "contact@example.com",
        "website": "https://example.com",
    }
    data.update(overrides)
    return data


def _fields(response) -> dict:
    return {error["attr"]: error["code"] for error in response.json()["errors"]}


def test_registering_makes_the_user_owner_and_classifies_the_size(client_for):
    user = UserFactory()

    response = client_for(user).post("/api/v1/enterprises/", _payload(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["uscc"] == VALID_USCC
    # 工业: 120 people and 5000 万元 revenue reach small (medium needs 300 people and 2000 万元).
    assert body["size_class"] == "small"
    assert body["region_name"] == "新吴区"
    assert body["industry_name"] == "敏感元件及传感器制造"
    assert body["verified"] is False
    link = EnterpriseUser.objects.get(enterprise_id=body["id"])
    assert (link.user, link.role) == (user, EnterpriseRole.OWNER)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("C3551", "纺织专用设备制造"),
        ("C3562", "半导体器件专用设备制造"),
        ("C3453", "齿轮及齿轮减、变速箱制造"),
        ("C3670", "汽车零部件及配件制造"),
        ("C2927", "日用塑料制品制造"),
    ],
)
def test_enterprises_register_with_their_gbt4754_class(client_for, code, name):
    response = client_for(UserFactory()).post(
        "/api/v1/enterprises/", _payload(industry_code=code), format="json"
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["industry_code"], response.json()["industry_name"]) == (code, name)
    assert Enterprise.objects.get().industry_code == code


def test_uscc_is_normalised_with_stdnum(client_for):
    messy = f" {VALID_USCC[:6]}-{VALID_USCC[6:12]} {VALID_USCC[12:]}".lower()

    response = client_for(UserFactory()).post("/api/v1/enterprises/", _payload(uscc=messy), format="json")

    assert response.status_code == 201, response.json()
    assert Enterprise.objects.get().uscc == stdnum_uscc.compact(VALID_USCC)


def _wrong_check_digit(code: str) -> str:
    digits = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return code[:-1] + next(d for d in digits if d != code[-1])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"uscc": "91320214"}, "uscc"),
        ({"uscc": _wrong_check_digit(VALID_USCC)}, "uscc"),
        ({"uscc": "IOZSV" + VALID_USCC[5:]}, "uscc"),
        ({"region_code": "999999"}, "region_code"),
        ({"region_code": "320200"[:5]}, "region_code"),
        ({"industry_code": "C99"}, "industry_code"),
        ({"industry_code": "C3559"}, "industry_code"),  # well formed, but not in the standard
        ({"industry_code": "X"}, "industry_code"),
        ({"employees": -1}, "employees"),
        ({"operating_revenue": "-1"}, "operating_revenue"),
        ({"rd_spend": "-0.01"}, "rd_spend"),
        ({"total_assets": "-5"}, "total_assets"),
        ({"qualifications": ["nobel_prize"]}, "qualifications.0"),
        ({"contact_email": "not-an-email"}, "contact_email"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_answers_400_on_the_field_and_writes_nothing(client_for, overrides, field):
    response = client_for(UserFactory()).post("/api/v1/enterprises/", _payload(**overrides), format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["type"] == "validation_error"
    assert field in _fields(response)
    assert not Enterprise.objects.exists()
    assert not EnterpriseUser.objects.exists()


@pytest.mark.parametrize(
    ("uscc", "code"),
    [
        ("91320214", "invalid_length"),
        (_wrong_check_digit(VALID_USCC), "invalid_checksum"),
        ("IOZSV" + VALID_USCC[5:], "invalid_format"),
    ],
)
def test_uscc_errors_say_what_is_wrong(client_for, uscc, code):
    response = client_for(UserFactory()).post("/api/v1/enterprises/", _payload(uscc=uscc), format="json")

    assert _fields(response) == {"uscc": code}


def test_every_bad_field_is_reported_at_once(client_for):
    response = client_for(UserFactory()).post(
        "/api/v1/enterprises/",
        _payload(uscc="123", region_code="999999", industry_code="Q99", employees=-1),
        format="json",
    )

    assert set(_fields(response)) == {"uscc", "region_code", "industry_code", "employees"}


def test_duplicate_uscc_answers_409_and_writes_nothing(client_for):
    EnterpriseFactory(uscc=VALID_USCC)
    user = UserFactory()

    response = client_for(user).post("/api/v1/enterprises/", _payload(uscc=VALID_USCC.lower()), format="json")

    assert response.status_code == 409
    assert response.json()["errors"][0]["attr"] == "uscc"
    assert response.json()["errors"][0]["code"] == "conflict"
    assert Enterprise.objects.count() == 1
    assert not EnterpriseUser.objects.filter(user=user).exists()


def test_anonymous_cannot_register(api_client):
    response = api_client.post("/api/v1/enterprises/", _payload(), format="json")

    assert response.status_code == 401
    assert not Enterprise.objects.exists()


def test_users_list_and_read_only_their_own_enterprises(client_for, django_assert_max_num_queries):
    user = UserFactory()
    mine = [EnterpriseUserFactory(user=user).enterprise for _ in range(3)]
    theirs = EnterpriseFactory()
    client = client_for(user)

    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/enterprises/")

    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {str(e.id) for e in mine}
    assert client.get(f"/api/v1/enterprises/{theirs.id}/").status_code == 404
    assert client.get(f"/api/v1/enterprises/{mine[0].id}/").status_code == 200


def test_list_query_count_does_not_grow_with_rows(client_for, django_assert_max_num_queries):
    user = UserFactory()
    for _ in range(12):
        EnterpriseUserFactory(user=user)

    with django_assert_max_num_queries(4):
        response = client_for(user).get("/api/v1/enterprises/")

    assert response.json()["count"] == 12


@pytest.mark.parametrize("role", [EnterpriseRole.OWNER, EnterpriseRole.MEMBER])
def test_owner_and_members_update_the_profile_and_the_size_follows(client_for, role):
    link = EnterpriseUserFactory(role=role, enterprise__industry_code="C3982")

    response = client_for(link.user).patch(
        f"/api/v1/enterprises/{link.enterprise.id}/",
        {"employees": 10, "operating_revenue": "1000000", "name": "新名称"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    link.enterprise.refresh_from_db()
    assert link.enterprise.name == "新名称"
    assert link.enterprise.size_class == "micro"


def test_someone_elses_enterprise_cannot_be_updated(client_for):
    enterprise = EnterpriseFactory(name="原名")

    response = client_for(UserFactory()).patch(
        f"/api/v1/enterprises/{enterprise.id}/", {"name": "x"}, format="json"
    )

    assert response.status_code == 404
    enterprise.refresh_from_db()
    assert enterprise.name == "原名"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"uscc": VALID_USCC}, "uscc"),
        ({"industry_code": "Z1"}, "industry_code"),
        ({"employees": -3}, "employees"),
        ({"region_code": "000000"}, "region_code"),
    ],
)
def test_bad_update_changes_nothing(client_for, data, field):
    link = EnterpriseUserFactory()
    before = Enterprise.objects.filter(pk=link.enterprise_id).values().get()

    response = client_for(link.user).patch(f"/api/v1/enterprises/{link.enterprise.id}/", data, format="json")

    assert response.status_code == 400
    assert field in _fields(response)
    assert Enterprise.objects.filter(pk=link.enterprise_id).values().get() == before


def test_inviting_a_registered_user_links_nobody_until_they_accept(client_for, mailoutbox):
    owner = EnterpriseUserFactory()
    colleague = UserFactory(email="colleague@example.com", name="王同事")
    url = f"/api/v1/enterprises/{owner.enterprise.id}/users/"

    response = client_for(owner.user).post(url, {"email": "Colleague@Example.com"}, format="json")

    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["email"], body["role"], body["status"]) == ("colleague@example.com", "member", "pending")
    assert "王同事" not in response.content.decode() and "name" not in body
    assert not EnterpriseUser.objects.filter(user=colleague).exists()
    assert Notification.objects.filter(user=colleague, kind="enterprise.invitation").exists()

    received = client_for(colleague).get("/api/v1/me/invitations/").json()
    assert [(row["id"], row["enterprise"]["id"]) for row in received] == [
        (body["id"], str(owner.enterprise.id))
    ]
    accepted = client_for(colleague).post(f"/api/v1/me/invitations/{body['id']}/accept/")

    assert accepted.status_code == 200
    assert EnterpriseUser.objects.get(user=colleague).role == EnterpriseRole.MEMBER
    listed = client_for(colleague).get(url).json()
    assert {row["email"] for row in listed} == {owner.user.email, colleague.email}
    assert client_for(colleague).post(f"/api/v1/me/invitations/{body['id']}/accept/").status_code == 404


def test_an_unknown_email_gets_the_same_answer_and_is_linked_once_registered(client_for):
    owner = EnterpriseUserFactory()
    url = f"/api/v1/enterprises/{owner.enterprise.id}/users/"

    response = client_for(owner.user).post(url, {"email": "nobody@example.com"}, format="json")

    assert response.status_code == 202
    assert EnterpriseUser.objects.count() == 1
    newcomer = UserFactory(email="nobody@example.com")
    invitation_id = client_for(newcomer).get("/api/v1/me/invitations/").json()[0]["id"]
    assert client_for(newcomer).post(f"/api/v1/me/invitations/{invitation_id}/accept/").status_code == 200
    assert EnterpriseUser.objects.filter(user=newcomer, enterprise=owner.enterprise).exists()


def test_a_declined_or_foreign_invitation_links_nobody(client_for):
    owner = EnterpriseUserFactory()
    invitee = UserFactory(email="invitee@example.com")
    stranger = UserFactory(email="stranger@example.com")
    invitation_id = (
        client_for(owner.user)
        .post(f"/api/v1/enterprises/{owner.enterprise.id}/users/", {"email": invitee.email}, format="json")
        .json()["id"]
    )

    assert client_for(stranger).post(f"/api/v1/me/invitations/{invitation_id}/accept/").status_code == 404
    assert client_for(invitee).post(f"/api/v1/me/invitations/{invitation_id}/decline/").status_code == 200
    assert client_for(invitee).post(f"/api/v1/me/invitations/{invitation_id}/accept/").status_code == 404
    assert EnterpriseUser.objects.count() == 1


def test_inviting_an_existing_user_again_answers_409(client_for):
    owner = EnterpriseUserFactory()
    member = EnterpriseUserFactory(enterprise=owner.enterprise, role=EnterpriseRole.MEMBER)

    response = client_for(owner.user).post(
        f"/api/v1/enterprises/{owner.enterprise.id}/users/", {"email": member.user.email}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["errors"][0]["attr"] == "email"
    assert EnterpriseUser.objects.count() == 2


def test_members_cannot_invite_or_remove_others(client_for):
    owner = EnterpriseUserFactory()
    member = EnterpriseUserFactory(enterprise=owner.enterprise, role=EnterpriseRole.MEMBER)
    UserFactory(email="third@example.com")
    base = f"/api/v1/enterprises/{owner.enterprise.id}/users/"
    client = client_for(member.user)

    assert client.post(base, {"email": "third@example.com"}, format="json").status_code == 403
    assert not EnterpriseInvitation.objects.exists()
    assert client.delete(f"{base}{owner.id}/").status_code == 403
    assert EnterpriseUser.objects.count() == 2


def test_owner_removes_a_member_but_not_the_last_owner(client_for):
    owner = EnterpriseUserFactory()
    member = EnterpriseUserFactory(enterprise=owner.enterprise, role=EnterpriseRole.MEMBER)
    base = f"/api/v1/enterprises/{owner.enterprise.id}/users/"
    client = client_for(owner.user)

    assert client.delete(f"{base}{member.id}/").status_code == 204
    assert not EnterpriseUser.objects.filter(pk=member.pk).exists()
    assert client.delete(f"{base}{owner.id}/").status_code == 409
    assert EnterpriseUser.objects.filter(pk=owner.pk).exists()


def test_a_member_may_leave(client_for):
    owner = EnterpriseUserFactory()
    member = EnterpriseUserFactory(enterprise=owner.enterprise, role=EnterpriseRole.MEMBER)

    response = client_for(member.user).delete(f"/api/v1/enterprises/{owner.enterprise.id}/users/{member.id}/")

    assert response.status_code == 204
    assert not EnterpriseUser.objects.filter(pk=member.pk).exists()
