"""Operations: the health probes, request ids in logs and tasks, JSON log lines, dropped e-mail."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db.migrations.recorder import MigrationRecorder

from cluster_platform import mail
from cluster_platform.celery import app as celery_app
from cluster_platform.observability import (
    JsonFormatter,
    RequestIdFilter,
    _add_request_id_header,
    request_id_var,
)
from tests.cluster_platform.test_api_conventions import assert_error_shape

ROOT = Path(__file__).resolve().parents[2]


@celery_app.task(name="tests.operations.request_id_seen_by_task")
def request_id_seen_by_task():
    return request_id_var.get()


# --- Readiness and liveness ----------------------------------------------------------------------


@pytest.mark.django_db
def test_readiness_answers_ok_when_database_and_migrations_are_ready(api_client, settings):
    settings.REDIS_URL = ""  # in-process tasks: there is no broker to check

    response = api_client.get("/api/v1/status/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_is_503_when_a_migration_is_not_applied(api_client, settings):
    settings.REDIS_URL = ""
    latest = MigrationRecorder.Migration.objects.filter(app="cluster_platform").order_by("-id").first()
    latest.delete()  # as if the code were deployed before `migrate` ran (rolled back after the test)

    response = api_client.get("/api/v1/status/")

    body = assert_error_shape(response, 503, "server_error", code="migrations_unavailable")
    assert f"cluster_platform.{latest.name}" in body["errors"][0]["detail"]


@pytest.mark.django_db
def test_readiness_is_503_when_the_configured_broker_is_unreachable(api_client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = settings.REDIS_URL
    try:
        response = api_client.get("/api/v1/status/")
    finally:
        celery_app.conf.broker_url = previous

    body = assert_error_shape(response, 503, "server_error", code="broker_unavailable")
    assert len(body["errors"]) == 1  # the database and migrations are fine


@pytest.mark.django_db
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real Redis (REDIS_URL)")
def test_readiness_reaches_the_configured_broker(api_client, settings):
    settings.REDIS_URL = os.environ["REDIS_URL"]
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = settings.REDIS_URL
    try:
        response = api_client.get("/api/v1/status/")
    finally:
        celery_app.conf.broker_url = previous

    assert response.status_code == 200, response.content


def test_readiness_is_503_in_the_error_shape_when_the_database_is_unreachable():
    code = (
        "from django.test import Client; r = Client().get('/api/v1/status/'); "
        "print(r.status_code); print(r.content.decode())"
    )
    environment = {
        **os.environ,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",  # nothing listens on port 1
        "REDIS_URL": "",
        "LOG_LEVEL": "ERROR",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().split("\n", 1)
    assert status == "503"
    assert json.loads(body) == {
        "type": "server_error",
        "errors": [
            {"code": "database_unavailable", "detail": "The database is not reachable.", "attr": None}
        ],
    }


def test_liveness_answers_without_touching_the_database(api_client):
    # No django_db mark: pytest-django fails any query, so this proves the probe needs none.
    response = api_client.get("/api/v1/status/live/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_probes_ignore_credentials(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert api_client.get("/api/v1/status/live/").status_code == 200


# --- Request ids ---------------------------------------------------------------------------------


def test_a_well_formed_request_id_is_returned_as_given(api_client):
    response = api_client.get("/api/v1/status/live/", HTTP_X_REQUEST_ID="lb-4f1c:7a2e.01")

    assert response["X-Request-ID"] == "lb-4f1c:7a2e.01"


@pytest.mark.parametrize("sent", [None, "", "has space", "x" * 200, 'quote"d', "line\nbreak"])
def test_a_missing_or_malformed_request_id_is_replaced_by_a_new_one(api_client, sent):
    headers = {} if sent is None else {"HTTP_X_REQUEST_ID": sent}

    first = api_client.get("/api/v1/status/live/", **headers)["X-Request-ID"]
    second = api_client.get("/api/v1/status/live/", **headers)["X-Request-ID"]

    assert len(first) == 32 and first.isalnum()
    assert first != second


def test_the_request_id_travels_to_celery_tasks_as_a_header():
    headers: dict = {}
    token = request_id_var.set("req-abc123")
    try:
        _add_request_id_header(headers=headers)
    finally:
        request_id_var.reset(token)

    # On the worker side the header is part of the task's request; the task's logs carry it.
    seen = request_id_seen_by_task.apply(headers=headers).get()

    assert headers == {"request_id": "req-abc123"}
    assert seen == "req-abc123"
    assert request_id_var.get() is None  # unbound again after the task


def test_json_log_lines_are_one_object_with_the_request_id():
    record = logging.LogRecord("policies", logging.INFO, __file__, 1, "imported %s rows", (3,), None)
    record.job_id = "9b1c"  # passed through `extra=`
    token = request_id_var.set("req-xyz")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "imported 3 rows"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "policies"
    assert entry["request_id"] == "req-xyz"
    assert entry["job_id"] == "9b1c"


def _manage_shell(code: str, **env: str | None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "cluster_platform.settings.base"}
    environment.pop("REDIS_URL", None)
    environment.pop("EMAIL_URL", None)
    environment.pop("LOG_FORMAT", None)
    environment.pop("LOG_LEVEL", None)
    # The settings only parse the URL; nothing here connects.
    environment["DATABASE_URL"] = "postgres://nobody@127.0.0.1:1/none"
    for name, value in env.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_log_format_json_writes_json_lines_on_stderr():
    code = "import logging; logging.getLogger('policies').warning('sweep found %d jobs', 2)"

    result = _manage_shell(code, LOG_FORMAT="json")

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.strip().splitlines()]
    assert {"level": "WARNING", "logger": "policies", "message": "sweep found 2 jobs"}.items() <= lines[
        -1
    ].items()


def test_in_process_tasks_log_no_line_per_task():
    code = (
        "from cluster_platform.celery import app\n"
        "@app.task(name='quiet.noop')\n"
        "def noop(): return 1\n"
        "for _ in range(3): noop.delay()\n"
    )

    result = _manage_shell(code)

    assert result.returncode == 0, result.stderr
    assert "succeeded" not in result.stderr
    # the in-process notice is written once, not once per task
    assert result.stderr.count("REDIS_URL is not set") == 1


# --- E-mail without EMAIL_URL ------------------------------------------------------------------------


def test_without_email_url_mail_is_dropped_and_said_once():
    code = (
        "from django.core.mail import send_mail\n"
        "for n in range(5): send_mail('s', 'b', None, [f'u{n}@x.demo'])\n"
    )

    result = _manage_shell(code)

    assert result.returncode == 0, result.stderr
    assert result.stderr.count("EMAIL_URL is not set: e-mails are dropped") == 1
    assert "Subject:" not in result.stdout  # nothing printed


def test_with_email_url_mail_goes_there():
    code = "from django.core.mail import send_mail; send_mail('hello', 'body', None, ['u@x.demo'])"

    result = _manage_shell(code, EMAIL_URL="consolemail://")

    assert result.returncode == 0, result.stderr
    assert "Subject: hello" in result.stdout
    assert "dropped" not in result.stderr


def test_dropped_email_backend_counts_messages_as_sent(caplog, monkeypatch):
    monkeypatch.setattr(mail, "_announced", type(mail._announced)())
    backend = mail.DroppedEmailBackend()

    with caplog.at_level(logging.WARNING, logger="cluster_platform.mail"):
        assert backend.send_messages([object(), object()]) == 2
        assert backend.send_messages([object()]) == 1
        assert backend.send_messages([]) == 0

    assert len(caplog.records) == 1
