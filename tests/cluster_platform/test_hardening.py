"""Passwords, token lifetime and the Content-Security-Policy header."""

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from cluster_platform.models import User
from cluster_platform.password_validation import MAX_PASSWORD_LENGTH
from tests.cluster_platform.factories import UserFactory
from tests.cluster_platform.test_api_conventions import _run_with_settings

pytestmark = pytest.mark.django_db


def _register(password):
    return APIClient().post(
        "/api/v1/auth/register/", {"email": "new@example.com", "name": "新用户", "password": password}
    )


@pytest.mark.parametrize("password", [" " * 8, " " * 12, "\t" * 10])
def test_a_password_of_only_spaces_is_refused(password):
    response = _register(password)

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == ["password"]
    assert not User.objects.filter(email="new@example.com").exists()


def test_an_overlong_password_is_refused_before_hashing(monkeypatch):
    from django.contrib.auth.hashers import MD5PasswordHasher

    def refuse(*args, **kwargs):
        raise AssertionError("an overlong password must not reach the hasher")

    monkeypatch.setattr(MD5PasswordHasher, "encode", refuse)
    response = _register("x" * (MAX_PASSWORD_LENGTH + 1))
    login = APIClient().post("/api/v1/auth/login/", {"email": "a@example.com", "password": "x" * 1_000_000})

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "max_length"
    assert login.status_code == 400
    assert login.json()["errors"][0]["attr"] == "password"


def test_a_password_at_the_maximum_length_is_accepted():
    assert _register("长城" * (MAX_PASSWORD_LENGTH // 2)).status_code == 201


def test_use_extends_a_token_but_never_past_its_maximum_lifetime():
    user = UserFactory()
    instance, token = AuthToken.objects.create(user=user)
    created = timezone.now() - settings.REST_KNOX["AUTO_REFRESH_MAX_TTL"] + timedelta(hours=1)
    AuthToken.objects.filter(pk=instance.pk).update(
        created=created, expiry=timezone.now() + timedelta(minutes=5)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert client.get("/api/v1/me/").status_code == 200

    instance.refresh_from_db()
    # Extended (by less than the TOKEN_TTL it would have got), up to the maximum lifetime exactly.
    assert instance.expiry == created + settings.REST_KNOX["AUTO_REFRESH_MAX_TTL"]


def test_the_csp_middleware_sets_one_policy_and_the_docs_need_no_inline_script(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "cluster_platform.security.ContentSecurityPolicyMiddleware"]
    client = APIClient()

    docs = client.get("/api/docs/")
    api = client.get("/api/v1/")

    for response in (docs, api):
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
    html = docs.content.decode()
    assert "<script>" not in html.replace(" ", "")  # every script is a file ('self')


def test_production_settings_install_the_csp_middleware():
    result = _run_with_settings(
        ["-c", "import django; django.setup(); from django.conf import settings; print(settings.MIDDLEWARE)"],
        SECRET_KEY="x" * 64,
        DATABASE_URL=os.environ.get("DATABASE_URL", settings.DATABASE_URL),
    )

    assert result.returncode == 0, result.stderr
    assert "cluster_platform.security.ContentSecurityPolicyMiddleware" in result.stdout
