"""Bodies and headers made to crash a parser or a renderer answer a 4xx in the one error shape, on
every operation of the API, without a token: never a 500."""

import json
import uuid

import pytest
import yaml
from django.conf import settings
from rest_framework.test import APIClient

from tests.cluster_platform.factories import ClusterFactory
from tests.tenancy.harness.discovery import api_endpoints

pytestmark = pytest.mark.django_db

DEPTH = 5000


def _oversized() -> bytes:
    filler = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024)
    return f'{{"email": "a@example.com", "name": "{filler}"}}'.encode()


HOSTILE_BODIES = {
    "over the upload limit": _oversized,
    "nested thousands of levels": lambda: b"[" * DEPTH + b"]" * DEPTH,
    "nested objects": lambda: b'{"a":' * DEPTH + b"1" + b"}" * DEPTH,
    "a lone surrogate in a choice field": lambda: (
        b'{"region_code": "320214", "size_class": "\\ud800", "role": "\\udfff", "email": "\\ud800@x.cn"}'
    ),
}


def _assert_one_error_shape(response, label):
    assert response.status_code < 500, label
    if response.status_code >= 400:
        # The schema view renders its errors in its own formats (OpenAPI YAML by default).
        body = (
            yaml.safe_load(response.content)
            if "json" not in response["Content-Type"]
            else json.loads(response.content)
        )
        assert body["type"] in ("validation_error", "client_error"), label
        assert body["errors"] and {"code", "detail", "attr"} <= set(body["errors"][0]), label


def _paths():
    cluster = ClusterFactory()
    for endpoint in api_endpoints():
        values = {
            param: (cluster.slug if param == "cluster_slug" else str(uuid.uuid4()))
            for param in endpoint.params
        }
        if "format" in values:
            values["format"] = "json"
        yield endpoint, "/" + endpoint.route % values


def test_hostile_json_bodies_never_reach_a_500_on_any_operation():
    client = APIClient(raise_request_exception=False)
    bodies = {name: make() for name, make in HOSTILE_BODIES.items()}
    exercised = 0
    for endpoint, path in _paths():
        for method in ("post", "put", "patch"):
            if method not in endpoint.methods():
                continue
            for name, body in bodies.items():
                response = getattr(client, method)(path, body, content_type="application/json")
                _assert_one_error_shape(response, f"{method.upper()} {endpoint.template}: {name}")
                exercised += 1
    assert exercised > 100


def test_a_non_utf8_authorization_header_never_reaches_a_500_on_any_operation():
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION="Token \xff\xfe\xfd" + "a" * 61)
    for endpoint, path in _paths():
        for method in endpoint.methods():
            if method == "options":
                continue
            response = getattr(client, method)(path)
            _assert_one_error_shape(response, f"{method.upper()} {endpoint.template}")


# --- Each shape where it is parsed, with the answer it gets ------------------------------------------


def test_a_json_body_over_the_upload_limit_answers_413():
    response = APIClient().post("/api/v1/auth/register/", _oversized(), content_type="application/json")

    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "request_too_large"


def test_deeply_nested_json_answers_400_before_parsing():
    body = b'{"region_code": "320214", "qualifications": ' + b"[" * DEPTH + b"]" * DEPTH + b"}"

    response = APIClient().post("/api/v1/policy-check/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


def test_moderately_nested_json_is_still_parsed():
    body = b'{"region_code": "320214", "x": ' + b"[" * 40 + b"]" * 40 + b"}"

    assert APIClient().post("/api/v1/policy-check/", body, content_type="application/json").status_code == 200


def test_brackets_inside_strings_do_not_count_as_nesting():
    body = ('{"region_code": "320214", "note": "' + "[{" * 3000 + '"}').encode()

    assert APIClient().post("/api/v1/policy-check/", body, content_type="application/json").status_code == 200


def test_a_lone_surrogate_in_a_choice_field_answers_400():
    body = b'{"region_code": "320214", "size_class": "\\ud800"}'

    response = APIClient().post("/api/v1/policy-check/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["type"] in ("validation_error", "client_error")


def test_a_surrogate_pair_is_a_valid_character():
    body = b'{"region_code": "320214", "note": "\\ud83d\\ude00"}'

    assert APIClient().post("/api/v1/policy-check/", body, content_type="application/json").status_code == 200


def test_a_non_utf8_authorization_header_answers_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token \xff\xfe" + "a" * 62)

    response = client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "authentication_failed"


def test_a_text_beyond_the_tsvector_limit_is_indexed_in_part_not_refused():
    from django.db import connection

    from cluster_platform.search import tsvector_literal

    # ~200,000 distinct words (over 1 MB of lexemes) and one word over PostgreSQL's 2 KB lexeme limit.
    huge = " ".join(f"w{n:06d}x" for n in range(200_000)) + " " + "z" * 3000
    literal = tsvector_literal([("A", "传感器 标题"), ("C", huge)])

    with connection.cursor() as cursor:
        cursor.execute("SELECT length(%s::tsvector), %s::tsvector @@ 'w000001x'::tsquery", [literal, literal])
        lexemes, matches = cursor.fetchone()
    assert 50_000 < lexemes < 200_000
    assert matches


# --- Amplification ------------------------------------------------------------------------------------


def test_an_anonymous_check_with_200000_bogus_qualifications_answers_a_short_400():
    body = json.dumps({"region_code": "320214", "qualifications": ["bogus1"] * 200_000}).encode()
    assert 1_900_000 < len(body) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # the 2 MB of the finding

    response = APIClient().post("/api/v1/policy-check/", body, content_type="application/json")

    assert response.status_code == 400
    assert len(response.content) < 2_000
    assert [error["attr"] for error in response.json()["errors"]] == ["qualifications"]
    assert response.json()["errors"][0]["code"] == "max_length"


def test_errors_are_capped_per_field_with_a_note_of_the_rest():
    from cluster_platform.api.errors import MAX_ERRORS_PER_FIELD, errors_capped

    errors = [{"code": "invalid", "detail": "x", "attr": f"items.{n}.code"} for n in range(50)]
    errors.append({"code": "required", "detail": "y", "attr": "name"})

    capped = errors_capped(errors)

    assert [e["attr"] for e in capped].count("name") == 1
    assert sum(1 for e in capped if e["attr"].startswith("items.")) == MAX_ERRORS_PER_FIELD
    assert capped[-1]["code"] == "too_many_errors" and capped[-1]["attr"] == "items"


def test_many_bad_items_within_the_list_limit_report_a_bounded_number_of_errors(
    client_for, platform_operator
):
    response = client_for(platform_operator).post(
        "/api/v1/policies/",
        {"title": "t", "issuer": "i", "level": "national", "categories": [f"bogus{n}" for n in range(12)]},
    )

    assert response.status_code == 400
    attrs = [error["attr"] or "" for error in response.json()["errors"]]
    assert sum(1 for attr in attrs if attr.startswith("categories")) <= 11


def test_every_list_input_is_bounded_before_its_items_are_validated():
    from django.urls import get_resolver
    from rest_framework import relations, serializers

    from cluster_platform.api.fields import BoundedListField

    assert get_resolver().url_patterns  # imports every view, and so every serializer

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = ("cluster_platform", "enterprises", "services", "policies", "matching")
    unbounded = []
    for serializer in set(subclasses(serializers.Serializer)):
        if not serializer.__module__.startswith(ours):
            continue
        for name, field in serializer._declared_fields.items():
            writable = not field.read_only
            if (
                writable
                and isinstance(field, serializers.ListField)
                and not isinstance(field, BoundedListField)
            ):
                unbounded.append(f"{serializer.__module__}.{serializer.__name__}.{name}")
            if writable and isinstance(field, relations.ManyRelatedField):
                unbounded.append(f"{serializer.__module__}.{serializer.__name__}.{name}")
    assert unbounded == []
