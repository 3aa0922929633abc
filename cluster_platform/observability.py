"""Request ids, JSON log lines and error reporting: following one request through web and workers.

Every request gets an id: the caller's `X-Request-ID` when it is well-formed (a proxy or a client
that already tags its requests), otherwise a new one. It is returned in the response, added to
every log record written while the request is served, and travels with the Celery tasks the
request enqueues (as a message header), so that a worker's log lines carry the id of the request
that caused them. `LOG_FORMAT=json` writes one JSON object per line for log collectors.
"""

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

import sentry_sdk
from celery import signals

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
# Ids a log line can carry safely: no spaces, quotes or control characters, bounded length.
_WELL_FORMED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def request_id_from_header(value: str | None) -> str:
    """The caller's id if it is well-formed, otherwise a new one (never trust it blindly: it
    ends up in every log line)."""
    if value and _WELL_FORMED.match(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in the middleware: everything after it, and the tasks it enqueues, log the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from_header(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            sentry_sdk.set_tag("request_id", request_id)  # a no-op unless SENTRY_DSN initialised it
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (None outside a request or a task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


# Attributes every LogRecord has; anything else was passed through `extra=` and is kept.
_STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# --- Celery: the id travels as a message header ------------------------------------------------


@signals.before_task_publish.connect
def _add_request_id_header(headers=None, **kwargs):
    request_id = request_id_var.get()
    if headers is not None and request_id and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


_task_tokens: dict[str, object] = {}


@signals.task_prerun.connect
def _bind_request_id(task_id=None, task=None, **kwargs):
    # A worker sees a custom message header as an attribute of the task's request; `apply()`
    # keeps it in `request.headers`. Tasks run in-process after a request's commit already see
    # that request's id.
    if task is None:
        return
    request_id = getattr(task.request, TASK_HEADER, None) or (task.request.headers or {}).get(TASK_HEADER)
    if request_id and task_id:
        _task_tokens[task_id] = request_id_var.set(request_id)


@signals.task_postrun.connect
def _unbind_request_id(task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        request_id_var.reset(token)


# --- Sentry ---------------------------------------------------------------------------------------


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float, release: str | None) -> bool:
    """Initialise the official Sentry SDK when a DSN is configured; without one, nothing is
    imported or sent. Its Django, Celery, Redis and logging integrations enable themselves."""
    if not dsn:
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,  # no user e-mails or IP addresses leave the platform
    )
    return True
