"""API conventions every endpoint shares: the schema, the docs, one error shape, languages, settings."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.cluster_platform.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
ERROR_URLS = "tests.cluster_platform.error_urls"


def assert_error_shape(response, status, error_type, code=None, attr=None):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"type", "errors"}
    assert body["type"] == error_type
    assert body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"code", "detail", "attr"}
        assert isinstance(error["detail"], str) and error["detail"]
    if code is not None:
        assert body["errors"][0]["code"] == code
    if attr is not None:
        assert body["errors"][0]["attr"] == attr
    return body


# --- Schema and docs -------------------------------------------------------------------------


@pytest.mark.django_db
def test_openapi_schema_builds_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    text = out.read_text()
    assert "tokenAuth" in text  # Swagger UI's "Authorize" takes a knox token


@pytest.mark.django_db
def test_schema_endpoint_and_swagger_ui_answer(api_client):
    schema = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = api_client.get("/api/docs/")

    assert schema.status_code == 200
    body = schema.json()
    # "Authorize" offers one scheme, the API token, and says what to paste (the prefix is easy to miss)
    schemes = body["components"]["securitySchemes"]
    assert set(schemes) == {"tokenAuth"}
    assert schemes["tokenAuth"]["type"] == "apiKey"
    assert schemes["tokenAuth"]["in"] == "header"
    assert schemes["tokenAuth"]["name"] == "Authorization"
    assert "`Token <token>`" in schemes["tokenAuth"]["description"]
    assert docs.status_code == 200
    # Swagger UI's "Authorize" applies the token to the endpoints that take it, not to login
    login = body["paths"]["/api/v1/auth/login/"]["post"]
    me = body["paths"]["/api/v1/me/"]["get"]
    assert login["security"] == [{}]
    assert me["security"] == [{"tokenAuth": []}]
    # operations have their own addresses (/api/docs/#/memberships/...), and a box filters by tag
    # The page loads its settings from a script of its own (no inline script under the CSP).
    assert "/api/docs/?script=" in docs.content.decode()
    script = api_client.get("/api/docs/?script=").content.decode()
    assert '"deepLinking": true' in script
    assert '"filter": true' in script


@pytest.mark.django_db
def test_swagger_ui_groups_operations_by_resource_in_the_declared_order(api_client):
    body = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    def tags_of(path, method):
        return body["paths"][path][method]["tags"]

    assert tags_of("/api/v1/auth/login/", "post") == ["accounts"]
    assert tags_of("/api/v1/clusters/", "get") == ["clusters"]
    assert tags_of("/api/v1/clusters/{slug}/", "get") == ["clusters"]
    assert tags_of("/api/v1/clusters/{cluster_slug}/memberships/", "get") == ["memberships"]
    assert tags_of("/api/v1/clusters/{cluster_slug}/memberships/{id}/approve/", "post") == ["memberships"]
    assert tags_of("/api/v1/clusters/{cluster_slug}/audit-log/", "get") == ["audit-log"]
    assert tags_of("/api/v1/enterprises/{id}/users/", "get") == ["enterprises"]
    # every tag in use is declared (with a description), and "accounts" (sign in) comes first
    declared = [tag["name"] for tag in body["tags"]]
    used = {tag for operations in body["paths"].values() for op in operations.values() for tag in op["tags"]}
    assert used <= set(declared), used - set(declared)
    assert declared[0] == "accounts"
    assert all(tag["description"] for tag in body["tags"])


@pytest.mark.django_db
def test_swagger_ui_loads_only_local_assets(api_client):
    html = api_client.get("/api/docs/").content.decode()

    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assets += re.findall(r"""(?:url|presetsUrl|bundleUrl)\s*[:=]\s*["']([^"']+)["']""", html)
    assert any("swagger-ui" in asset for asset in assets), assets
    external = [asset for asset in assets if re.match(r"^(https?:)?//", asset)]
    assert external == []
    assert "cdn" not in html.lower()


# --- One error shape ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls(ERROR_URLS)
def test_400_has_field_paths_in_attr(api_client):
    response = api_client.post(
        "/test-errors/nested/", {"lines": [{"sku": "A1", "quantity": 0}]}, format="json"
    )

    body = assert_error_shape(response, 400, "validation_error")
    assert body["errors"][0]["attr"] == "lines.0.quantity"
    assert body["errors"][0]["code"] == "min_value"


@pytest.mark.django_db
@pytest.mark.urls(ERROR_URLS)
def test_django_validation_error_from_a_service_is_a_field_error(api_client):
    assert_error_shape(
        api_client.post("/test-errors/service/"), 400, "validation_error", code="invalid", attr="region_code"
    )


@pytest.mark.django_db
def test_401_without_credentials_and_with_a_bad_token(api_client):
    assert_error_shape(api_client.get("/api/v1/me/"), 401, "client_error", code="not_authenticated")
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error_shape(api_client.get("/api/v1/me/"), 401, "client_error", code="authentication_failed")


@pytest.mark.django_db
@pytest.mark.urls(ERROR_URLS)
def test_403(api_client):
    assert_error_shape(
        api_client.get("/test-errors/forbidden/"), 403, "client_error", code="permission_denied"
    )


@pytest.mark.django_db
def test_404_inside_drf_and_for_unknown_urls(api_client):
    assert_error_shape(api_client.get("/api/v1/clusters/nowhere/"), 404, "client_error", code="not_found")
    assert_error_shape(api_client.get("/no/such/page/"), 404, "client_error", code="not_found")
    assert_error_shape(api_client.get("/api/v1/no-such-endpoint/"), 404, "client_error", code="not_found")


@pytest.mark.django_db
def test_405(client_for):
    response = client_for(UserFactory()).delete("/api/v1/me/")

    assert_error_shape(response, 405, "client_error", code="method_not_allowed")


@pytest.mark.django_db
@pytest.mark.urls(ERROR_URLS)
def test_409_conflict_and_invalid_transition(api_client):
    assert_error_shape(api_client.post("/test-errors/conflict/"), 409, "client_error", code="conflict")
    body = assert_error_shape(
        api_client.post("/test-errors/transition/", HTTP_ACCEPT_LANGUAGE="en"),
        409,
        "client_error",
        code="invalid_transition",
    )
    assert "approved" in body["errors"][0]["detail"] and "suspend" in body["errors"][0]["detail"]


@pytest.mark.django_db
def test_429_is_in_the_error_shape(throttle_rates):
    throttle_rates(login="1/min")
    client = APIClient()
    client.post("/api/v1/auth/login/", {"email": "a@example.com", "password": "x"})

    response = client.post("/api/v1/auth/login/", {"email": "a@example.com", "password": "x"})

    assert_error_shape(response, 429, "client_error", code="throttled")


@pytest.mark.django_db
@pytest.mark.urls(ERROR_URLS)
def test_500_from_an_unhandled_exception_in_a_drf_view_hides_the_details():
    client = APIClient(raise_request_exception=False)

    response = client.get("/test-errors/crash-drf/")

    body = assert_error_shape(response, 500, "server_error", code="error")
    assert "boom" not in response.content.decode()
    assert body["errors"][0]["attr"] is None


@pytest.mark.django_db
@pytest.mark.urls(ERROR_URLS)
def test_500_outside_drf_goes_through_django_handler500():
    client = APIClient(raise_request_exception=False)

    response = client.get("/test-errors/crash-django/")

    assert_error_shape(response, 500, "server_error", code="error")
    assert "boom" not in response.content.decode()


# --- Language --------------------------------------------------------------------------------


def _has_chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/me/", "/no/such/page/", "/api/v1/clusters/nowhere/"])
def test_chinese_by_default_and_english_on_request(api_client, url):
    chinese = api_client.get(url).json()["errors"][0]["detail"]
    english = api_client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["errors"][0]["detail"]

    assert _has_chinese(chinese), chinese
    assert not _has_chinese(english)
    assert english in {"Authentication credentials were not provided.", "Not found."}


@pytest.mark.django_db
def test_validation_messages_are_translated(api_client):
    payload = {"email": "x@example.com", "name": "测试", "password": "short"}

    chinese = api_client.post("/api/v1/auth/register/", payload).json()["errors"]
    english = api_client.post("/api/v1/auth/register/", payload, HTTP_ACCEPT_LANGUAGE="en").json()["errors"]

    assert all(_has_chinese(error["detail"]) for error in chinese), chinese
    assert any("too short" in error["detail"] for error in english), english


def test_default_language_is_simplified_chinese():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]


# --- Production settings -----------------------------------------------------------------------


def _run_with_settings(args, **env_overrides):
    ignored = {"SECRET_KEY", "DJANGO_SETTINGS_MODULE", "REDIS_URL"}
    env = {key: value for key, value in os.environ.items() if key not in ignored}
    env["DJANGO_SETTINGS_MODULE"] = "cluster_platform.settings.production"
    env["REDIS_URL"] = "redis://127.0.0.1:6379/0"  # only parsed: production refuses to start without it
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deployment_checks():
    result = _run_with_settings(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="cluster.example.com",
        DATABASE_URL=os.environ.get("DATABASE_URL", settings.DATABASE_URL),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_load_without_a_secret_key():
    result = _run_with_settings(
        ["-c", "import django; django.setup()"],
        DATABASE_URL=os.environ.get("DATABASE_URL", settings.DATABASE_URL),
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_throttle_counters_live_in_redis_when_redis_url_is_set():
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = _run_with_settings(
        ["-c", script],
        DJANGO_SETTINGS_MODULE="cluster_platform.settings.base",
        REDIS_URL="redis://127.0.0.1:6379/15",
        DATABASE_URL=os.environ.get("DATABASE_URL", settings.DATABASE_URL),
    )

    assert result.returncode == 0, result.stderr
    # Django's Redis cache, answering a miss while Redis is down (cluster_platform/cache.py).
    assert result.stdout.split() == ["cluster_platform.cache.ForgivingRedisCache", "False"]


# --- 404 under DEBUG; attr of non-field errors -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/no/such/page/", "/api/v1/no-such-endpoint/", "/api/v1/clusters/nowhere/"])
def test_404_keeps_the_json_shape_under_debug(api_client, settings, path):
    settings.DEBUG = True  # Django's HTML technical 404 page otherwise

    assert_error_shape(api_client.get(path), 404, "client_error", code="not_found")


@pytest.mark.django_db
def test_non_field_errors_have_a_null_attr(api_client):
    # Wrong credentials are an error about the whole request, not about one field.
    response = api_client.post("/api/v1/auth/login/", {"email": "nobody@example.com", "password": "x" * 12})

    body = assert_error_shape(response, 400, "validation_error")
    assert [error["attr"] for error in body["errors"]] == [None]


@pytest.mark.django_db
def test_the_schema_documents_a_null_attr_for_non_field_errors(api_client):
    body = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    text = json.dumps(body)
    assert "non_field_errors" not in text
    schemas = body["components"]["schemas"]
    attr = schemas["V1AuthLoginCreateNonFieldErrorsErrorComponent"]["properties"]["attr"]
    assert attr["enum"] == [None]
    assert attr["nullable"] is True


# --- Every list paginated, or documented as whole ---------------------------------------------

WHOLE_LISTS = {
    "/api/v1/service-categories/",
    "/api/v1/service-categories/tree/",
    "/api/v1/policy-categories/",
    "/api/v1/enterprises/{id}/users/",
    "/api/v1/clusters/{cluster_slug}/engagements/{id}/events/",
    "/api/v1/clusters/{cluster_slug}/net-costs/",
    "/api/v1/clusters/{cluster_slug}/partner-accreditations/review/",
    "/api/v1/clusters/{cluster_slug}/partner-tier-criteria/",
    "/api/v1/me/invitations/",
}


@pytest.mark.django_db
def test_every_list_is_paginated_or_documented_as_whole(api_client):
    body = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    whole = set()
    for path, operations in body["paths"].items():
        response = operations.get("get", {}).get("responses", {}).get("200", {})
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        if schema.get("type") == "array":
            whole.add(path)

    assert whole == WHOLE_LISTS
    api_doc = (ROOT / "docs" / "api.md").read_text()
    for path in WHOLE_LISTS:
        assert f"`GET {path}`" in api_doc


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/reference/regions/", "/api/v1/reference/industries/"])
def test_reference_lists_answer_the_page_their_schema_documents(api_client, path):
    body = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    documented = body["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    component = body["components"]["schemas"][documented["$ref"].rsplit("/", 1)[-1]]

    page = api_client.get(path, {"page_size": 5}).json()

    assert set(page) == set(component["properties"]) == {"count", "next", "previous", "results"}
    assert len(page["results"]) == 5
