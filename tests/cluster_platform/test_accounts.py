from datetime import timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from cluster_platform.models import StaffRole, User
from enterprises.models import EnterpriseRole, MembershipRole, MembershipStatus
from tests.cluster_platform.factories import ClusterFactory, ClusterStaffFactory, UserFactory
from tests.enterprises.factories import EnterpriseUserFactory, MembershipFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
REGISTER = "/api/v1/auth/register/"
LOGIN = "/api/v1/auth/login/"


def _errors_by_attr(response):
    return {error["attr"]: error for error in response.json()["errors"]}


def _login(client, email, password=PASSWORD):
    return client.post(LOGIN, {"email": email, "password": password})


def _token_client(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- Registration ----------------------------------------------------------------------------


def test_register_creates_an_account_that_can_log_in(api_client):
    response = api_client.post(
        REGISTER,
        {
            "email": "Li.Na@Example.com ",
            "name": " 李娜 ",
            "password": "mems-wafer-2026",
            "phone": "13800000000",
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["email"] == "li.na@example.com"
    assert body["name"] == "李娜"
    assert "password" not in body
    user = User.objects.get(email="li.na@example.com")
    assert user.phone == "13800000000"
    assert user.check_password("mems-wafer-2026")
    assert _login(api_client, "LI.NA@example.com", "mems-wafer-2026").status_code == 200


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short1", "too short"), ("12345678901", "entirely numeric"), ("password123", "too common")],
)
def test_register_rejects_weak_passwords_with_a_field_error(api_client, password, reason):
    response = api_client.post(REGISTER, {"email": "weak@example.com", "name": "王伟", "password": password})

    assert response.status_code == 400, reason
    assert response.json()["type"] == "validation_error"
    assert "password" in _errors_by_attr(response)
    assert not User.objects.filter(email="weak@example.com").exists()


def test_register_rejects_a_password_similar_to_the_email(api_client):
    response = api_client.post(
        REGISTER, {"email": "zhangwei2026@example.com", "name": "张伟", "password": "zhangwei2026"}
    )

    assert response.status_code == 400
    assert "password" in _errors_by_attr(response)


def test_register_duplicate_email_is_a_field_error_whatever_the_case(api_client):
    UserFactory(email="taken@example.com")

    response = api_client.post(
        REGISTER, {"email": "TAKEN@example.com", "name": "重复", "password": "mems-wafer-2026"}
    )

    assert response.status_code == 400
    assert _errors_by_attr(response)["email"]["code"] == "invalid"
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


@pytest.mark.parametrize(
    ("payload", "attr"),
    [
        ({"name": "无邮箱", "password": "mems-wafer-2026"}, "email"),
        ({"email": "not-an-email", "name": "坏邮箱", "password": "mems-wafer-2026"}, "email"),
        ({"email": "noname@example.com", "password": "mems-wafer-2026"}, "name"),
        ({"email": "nopw@example.com", "name": "无密码"}, "password"),
        (
            {"email": "tel@example.com", "name": "坏电话", "password": "mems-wafer-2026", "phone": "call me"},
            "phone",
        ),
    ],
)
def test_register_missing_or_bad_fields_are_field_errors(api_client, payload, attr):
    response = api_client.post(REGISTER, payload)

    assert response.status_code == 400
    assert attr in _errors_by_attr(response)
    assert User.objects.count() == 0


# --- Tokens ------------------------------------------------------------------------------------


def test_login_returns_a_hashed_expiring_token_that_authenticates():
    user = UserFactory(email="op@example.com")
    client = APIClient()

    response = _login(client, "op@example.com")

    assert response.status_code == 200
    body = response.json()
    token = body["token"]
    assert body["user"]["email"] == "op@example.com"
    stored = AuthToken.objects.get(user=user)
    assert stored.digest != token and token not in stored.digest  # only a hash is stored
    assert stored.expiry > timezone.now() + timedelta(days=6)
    assert body["expiry"]
    assert _token_client(token).get("/api/v1/me/").json()["email"] == "op@example.com"


@pytest.mark.parametrize(
    ("email", "password"),
    [("op@example.com", "wrong-password"), ("nobody@example.com", PASSWORD)],
)
def test_login_with_bad_credentials_gives_one_answer_and_no_token(email, password):
    UserFactory(email="op@example.com")

    response = _login(APIClient(), email, password)

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_credentials"
    assert AuthToken.objects.count() == 0


def test_login_refuses_a_disabled_account():
    UserFactory(email="gone@example.com", is_active=False)

    assert _login(APIClient(), "gone@example.com").status_code == 400
    assert AuthToken.objects.count() == 0


def test_expired_token_is_refused_with_401():
    UserFactory(email="op@example.com")
    token = _login(APIClient(), "op@example.com").json()["token"]
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))

    response = _token_client(token).get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["type"] == "client_error"


def test_logout_revokes_only_this_token():
    UserFactory(email="op@example.com")
    laptop = _login(APIClient(), "op@example.com").json()["token"]
    phone = _login(APIClient(), "op@example.com").json()["token"]

    assert _token_client(laptop).post("/api/v1/auth/logout/").status_code == 204

    assert _token_client(laptop).get("/api/v1/me/").status_code == 401
    assert _token_client(phone).get("/api/v1/me/").status_code == 200


def test_logout_everywhere_revokes_every_token():
    user = UserFactory(email="op@example.com")
    laptop = _login(APIClient(), "op@example.com").json()["token"]
    phone = _login(APIClient(), "op@example.com").json()["token"]

    assert _token_client(laptop).post("/api/v1/auth/logout-all/").status_code == 204

    assert _token_client(laptop).get("/api/v1/me/").status_code == 401
    assert _token_client(phone).get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.filter(user=user).exists()


def test_logout_needs_a_token():
    assert APIClient().post("/api/v1/auth/logout/").status_code == 401


def test_at_the_token_limit_the_oldest_session_is_signed_out(settings):
    UserFactory(email="op@example.com")
    from knox.settings import knox_settings

    limit = knox_settings.TOKEN_LIMIT_PER_USER
    tokens = [_login(APIClient(), "op@example.com").json()["token"] for _ in range(limit + 1)]

    assert AuthToken.objects.count() == limit
    assert _token_client(tokens[0]).get("/api/v1/me/").status_code == 401
    assert _token_client(tokens[-1]).get("/api/v1/me/").status_code == 200


# --- Throttling -------------------------------------------------------------------------------


@pytest.fixture
def tight_throttle(throttle_rates):
    throttle_rates(login="3/min", register="2/min")


def test_login_is_throttled_with_429_in_the_error_shape(tight_throttle):
    UserFactory(email="op@example.com")
    client = APIClient()
    statuses = [_login(client, "op@example.com", "wrong-password").status_code for _ in range(3)]

    response = _login(client, "op@example.com")  # even the right password, once throttled

    assert statuses == [400, 400, 400]
    assert response.status_code == 429
    body = response.json()
    assert body["type"] == "client_error"
    assert body["errors"][0]["code"] == "throttled"
    assert body["errors"][0]["attr"] is None
    assert "Retry-After" in response.headers
    assert AuthToken.objects.count() == 0


def test_register_is_throttled(tight_throttle):
    client = APIClient()
    for n in range(2):
        payload = {"email": f"new{n}@example.com", "name": "新用户", "password": "mems-wafer-2026"}
        assert client.post(REGISTER, payload).status_code == 201

    response = client.post(
        REGISTER, {"email": "new9@example.com", "name": "新用户", "password": "mems-wafer-2026"}
    )

    assert response.status_code == 429
    assert not User.objects.filter(email="new9@example.com").exists()


# --- /me/ -------------------------------------------------------------------------------------


def test_me_requires_authentication(api_client):
    response = api_client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"


def test_me_lists_enterprises_with_role_and_cluster_standings(client_for):
    user = UserFactory(name="陈静")
    wuxi, bags, other = (
        ClusterFactory(slug="wuxi-iot"),
        ClusterFactory(slug="gd-bags"),
        ClusterFactory(slug="elsewhere"),
    )
    owned = EnterpriseUserFactory(user=user, role=EnterpriseRole.OWNER).enterprise
    joined = EnterpriseUserFactory(user=user, role=EnterpriseRole.MEMBER).enterprise
    approved = MembershipFactory(cluster=wuxi, enterprise=owned, role=MembershipRole.SME)
    pending = MembershipFactory(
        cluster=bags, enterprise=joined, role=MembershipRole.PARTNER, status=MembershipStatus.PENDING
    )
    ClusterStaffFactory(cluster=bags, user=user, role=StaffRole.VIEWER)
    MembershipFactory(cluster=other)  # someone else's membership
    ClusterStaffFactory(cluster=other)  # someone else's staff role

    body = client_for(user).get("/api/v1/me/").json()

    assert body["name"] == "陈静"
    assert {(e["id"], e["role"]) for e in body["enterprises"]} == {
        (str(owned.id), "owner"),
        (str(joined.id), "member"),
    }
    assert [c["slug"] for c in body["clusters"]] == ["gd-bags", "wuxi-iot"]
    bags_entry, wuxi_entry = body["clusters"]
    assert bags_entry["staff_role"] == "viewer"
    assert [(m["id"], m["role"], m["status"]) for m in bags_entry["memberships"]] == [
        (str(pending.id), "partner", "pending")
    ]
    assert wuxi_entry["staff_role"] is None
    assert [(m["id"], m["status"]) for m in wuxi_entry["memberships"]] == [(str(approved.id), "approved")]


def test_me_query_count_does_not_grow_with_memberships(client_for, django_assert_max_num_queries):
    user = UserFactory()
    client = client_for(user)

    def add_memberships(n):
        for _ in range(n):
            enterprise = EnterpriseUserFactory(user=user).enterprise
            MembershipFactory(enterprise=enterprise)
            ClusterStaffFactory(user=user)

    add_memberships(1)
    with django_assert_max_num_queries(6) as few:
        client.get("/api/v1/me/")
    add_memberships(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/me/")
    assert len(response.json()["clusters"]) == 14


def test_patch_me_updates_name_and_phone_only(client_for):
    user = UserFactory(name="旧名字", email="me@example.com")

    response = client_for(user).patch(
        "/api/v1/me/", {"name": "新名字", "phone": "0510-85123456", "email": "hijack@example.com"}
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.name, user.phone, user.email) == ("新名字", "0510-85123456", "me@example.com")


@pytest.mark.parametrize(("payload", "attr"), [({"name": "   "}, "name"), ({"phone": "abc"}, "phone")])
def test_patch_me_rejects_a_blank_name_or_a_bad_phone(client_for, payload, attr):
    user = UserFactory(name="保留", phone="13800000000")

    response = client_for(user).patch("/api/v1/me/", payload)

    assert response.status_code == 400
    assert attr in _errors_by_attr(response)
    user.refresh_from_db()
    assert (user.name, user.phone) == ("保留", "13800000000")


# --- Password change ----------------------------------------------------------------------------


def test_change_password_keeps_this_session_and_signs_out_the_others():
    user = UserFactory(email="op@example.com")
    this = _login(APIClient(), "op@example.com").json()["token"]
    other = _login(APIClient(), "op@example.com").json()["token"]

    response = _token_client(this).post(
        "/api/v1/me/password/", {"current_password": PASSWORD, "new_password": "sensor-fab-8848"}
    )

    assert response.status_code == 204
    user.refresh_from_db()
    assert user.check_password("sensor-fab-8848")
    assert _token_client(this).get("/api/v1/me/").status_code == 200
    assert _token_client(other).get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize(
    ("payload", "attr"),
    [
        ({"current_password": "not-it", "new_password": "sensor-fab-8848"}, "current_password"),
        ({"current_password": PASSWORD, "new_password": "123"}, "new_password"),
    ],
)
def test_change_password_refuses_wrong_current_or_weak_new(client_for, payload, attr):
    user = UserFactory()

    response = client_for(user).post("/api/v1/me/password/", payload)

    assert response.status_code == 400
    assert attr in _errors_by_attr(response)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_session_login_page_for_the_browsable_api_exists(api_client):
    assert api_client.get("/api-auth/login/").status_code == 200
