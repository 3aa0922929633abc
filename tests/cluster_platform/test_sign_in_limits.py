"""Password guessing is limited per client address and per account, on every door that takes a
password: the token login, the browsable API's and the admin's session logins, the password change."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.cluster_platform.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
TOKEN_LOGIN = "/api/v1/auth/login/"
API_SESSION_LOGIN = "/api-auth/login/"
ADMIN_LOGIN = "/admin/login/"
CONSOLE_LOGIN = "/console/login/"


def _token_login(client, email, password, **headers):
    return client.post(TOKEN_LOGIN, {"email": email, "password": password}, **headers)


def _form_login(client, url, email, password, **headers):
    # Django's login forms name the email field `username` (it is the USERNAME_FIELD).
    return client.post(url, {"username": email, "password": password}, format="multipart", **headers)


# --- Whose address counts (NUM_PROXIES) -----------------------------------------------------------


def test_rotating_x_forwarded_for_does_not_escape_the_login_limit_without_trusted_proxies(throttle_rates):
    throttle_rates(login="3/min")  # NUM_PROXIES as configured by default: 0
    UserFactory(email="op@example.com")
    client = APIClient()
    statuses = [
        _token_login(
            client, "op@example.com", f"wrong-{n}", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        ).status_code
        for n in range(3)
    ]

    response = _token_login(client, "op@example.com", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert statuses == [400, 400, 400]
    assert response.status_code == 429
    assert AuthToken.objects.count() == 0


def test_with_one_trusted_proxy_the_right_most_forwarded_address_counts(throttle_rates):
    throttle_rates(login="2/min", NUM_PROXIES=1)
    UserFactory(email="op@example.com")
    client = APIClient()
    # The client writes whatever it likes on the left; our proxy appends the address it saw.
    spoofed = [
        _token_login(
            client, "op@example.com", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.7"
        ).status_code
        for n in range(3)
    ]
    # Another real client behind the same proxy (same REMOTE_ADDR) has its own allowance.
    other_client = _token_login(client, "op@example.com", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8")

    assert spoofed == [400, 400, 429]
    assert other_client.status_code == 200


# --- Per account, across addresses and doors ------------------------------------------------------


def test_wrong_passwords_for_one_account_are_limited_across_addresses(throttle_rates):
    throttle_rates(login_account="3/hour", NUM_PROXIES=1)
    UserFactory(email="op@example.com")
    client = APIClient()
    wrong = [
        _token_login(client, "op@example.com", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]

    right = _token_login(client, "OP@example.com ", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.50")
    another_account = UserFactory(email="other@example.com")
    other = _token_login(client, another_account.email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.51")

    assert wrong == [400, 400, 400]
    assert right.status_code == 429
    assert right.json()["errors"][0]["code"] == "throttled"
    assert other.status_code == 200


def test_successful_logins_do_not_count_against_the_account(throttle_rates):
    throttle_rates(login_account="2/hour")
    UserFactory(email="op@example.com")

    statuses = [_token_login(APIClient(), "op@example.com", PASSWORD).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 200]


@pytest.mark.parametrize("door", [API_SESSION_LOGIN, ADMIN_LOGIN, CONSOLE_LOGIN])
def test_session_logins_are_limited_per_address(throttle_rates, door):
    throttle_rates(login="3/min")
    UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)
    client = APIClient()
    statuses = [_form_login(client, door, f"nobody{n}@example.com", "wrong").status_code for n in range(3)]

    response = _form_login(client, door, "admin@example.com", PASSWORD)

    assert statuses == [200, 200, 200]  # the form again, with its error
    assert response.status_code == 429
    body = response.json()
    assert body["type"] == "client_error"
    assert body["errors"] == [{"code": "throttled", "detail": body["errors"][0]["detail"], "attr": None}]
    assert int(response.headers["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("door", [API_SESSION_LOGIN, ADMIN_LOGIN, CONSOLE_LOGIN])
def test_session_logins_share_the_account_limit_with_the_token_login(throttle_rates, door):
    throttle_rates(login_account="3/hour", NUM_PROXIES=1)
    UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)
    _token_login(APIClient(), "admin@example.com", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.1")
    _form_login(APIClient(), door, "admin@example.com", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.2")
    _form_login(APIClient(), door, "admin@example.com", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.3")
    client = APIClient()

    response = _form_login(client, door, "admin@example.com", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.4")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("door", [API_SESSION_LOGIN, ADMIN_LOGIN, CONSOLE_LOGIN])
def test_session_logins_still_sign_in_under_the_limits(throttle_rates, door):
    throttle_rates(login="3/min", login_account="3/hour")
    user = UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)
    client = APIClient()

    response = _form_login(client, door, "admin@example.com", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_browser_over_the_limit_gets_a_page_not_json(throttle_rates):
    throttle_rates(login="1/min")
    client = APIClient()
    _form_login(client, CONSOLE_LOGIN, "nobody@example.com", "wrong")

    response = _form_login(client, CONSOLE_LOGIN, "nobody@example.com", "wrong", HTTP_ACCEPT="text/html")

    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert int(response.headers["Retry-After"]) > 0
    assert b'href="/console/login/"' in response.content


# --- The password change ---------------------------------------------------------------------------


def test_wrong_current_passwords_on_the_password_change_are_limited(throttle_rates, client_for):
    throttle_rates(login_account="3/hour")
    user = UserFactory(email="op@example.com")
    client = client_for(user)
    wrong = [
        client.post(
            "/api/v1/me/password/", {"current_password": f"guess-{n}", "new_password": "mems-wafer-2026"}
        ).status_code
        for n in range(3)
    ]

    right = client.post(
        "/api/v1/me/password/", {"current_password": PASSWORD, "new_password": "mems-wafer-2026"}
    )

    assert wrong == [400, 400, 400]
    assert right.status_code == 429
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    # The guesses made there count at the login too: the account is one.
    assert _token_login(APIClient(), "op@example.com", PASSWORD).status_code == 429
