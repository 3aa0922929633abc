"""The one error shape, for errors DRF raises and for those Django answers itself.

DRF errors go through drf-standardized-errors:
    {"type": "validation_error" | "client_error" | "server_error",
     "errors": [{"code": "...", "detail": "...", "attr": "field.path" | null}]}
Services raise Django's ValidationError; the handler below turns it into DRF's so it gets
the same field-level shape. The Django-level handlers give a 404 or 500 outside a DRF view
(an unknown URL, a crash in middleware) the same shape.

A database that cannot be reached (down, restarting) is not a bug: inside a DRF view or outside
it, the request answers 503 `database_unavailable` with `Retry-After`, quickly (the settings'
`connect_timeout`), and the next request after the database is back succeeds on a fresh connection
(`CONN_HEALTH_CHECKS`), without restarting the web process.
"""

import logging
import sys

from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from drf_standardized_errors.formatter import ExceptionFormatter
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings

from cluster_platform.exceptions import DatabaseUnavailable, RequestTooLarge

logger = logging.getLogger(__name__)

# Errors reported per top-level field (a list's items count under the list's name): a body of
# 200,000 bad items gets a short answer, not 20 MB of messages.
MAX_ERRORS_PER_FIELD = 10


def errors_capped(errors: list[dict], limit: int = MAX_ERRORS_PER_FIELD) -> list[dict]:
    """The first `limit` errors of each top-level field, and one `too_many_errors` for the rest."""
    kept, counts, dropped = [], {}, {}
    for error in errors:
        field = (error.get("attr") or "").split(".", 1)[0] or None
        counts[field] = counts.get(field, 0) + 1
        if counts[field] <= limit:
            kept.append(error)
        else:
            dropped[field] = dropped.get(field, 0) + 1
    for field, count in dropped.items():
        kept.append(
            {
                "code": "too_many_errors",
                "detail": _("%(count)d more errors in this field are not shown.") % {"count": count},
                "attr": field,
            }
        )
    return kept


class PlatformExceptionHandler(ExceptionHandler):
    def format_exception(self, exc):
        data = super().format_exception(exc)
        if isinstance(data.get("errors"), list) and len(data["errors"]) > MAX_ERRORS_PER_FIELD:
            data["errors"] = errors_capped(data["errors"])
        return data

    def convert_known_exceptions(self, exc):
        if isinstance(exc, DjangoValidationError):
            return ValidationError(detail=as_serializer_error(exc))
        if isinstance(exc, RequestDataTooBig):
            return RequestTooLarge()
        if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
            return ParseError(str(exc))
        if is_database_unavailable(exc):
            return DatabaseUnavailable()
        return super().convert_known_exceptions(exc)

    def report_exception(self, exc, response):
        if isinstance(exc, DatabaseUnavailable):
            # An outage, not a bug: one warning line, not an error report (Django's 5xx log
            # record, which Sentry would turn into an event) per request.
            database_unavailable_log(self.exc)
            response._has_been_logged = True
            return
        super().report_exception(exc, response)


# SQLSTATEs of a server that cannot be used (a connection exception, the server shutting down or
# starting up, no connection slot left), as opposed to one statement failing (a deadlock, a
# statement timeout), which stays a 500. libpq's own failures (refused, lost) carry none.
UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc` says the database could not be used at all: a connection refused, lost or
    timed out, or already closed."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(UNAVAILABLE_SQLSTATES)


def database_unavailable_log(exc: BaseException) -> None:
    logger.warning("Database unavailable, answering 503: %s: %s", type(exc).__name__, exc)


def field_path(attr: str | None) -> str | None:
    """The documented `attr` of an error: the field path, or None for an error about the whole
    request. DRF files those under `non_field_errors` (nested: `lines.0.non_field_errors`, an
    error about the object `lines.0`)."""
    if attr is None:
        return None
    key = api_settings.NON_FIELD_ERRORS_KEY
    if attr == key:
        return None
    if attr.endswith("." + key):
        return attr[: -len(key) - 1]
    return attr


class PlatformExceptionFormatter(ExceptionFormatter):
    def get_errors(self):
        errors = super().get_errors()
        for error in errors:
            error.attr = field_path(error.attr)
        return errors


def non_field_errors_schema_hook(result, generator, request, public):
    """Make the schema say what `PlatformExceptionFormatter` answers: a validation error component
    whose `attr` is `non_field_errors` documents `attr: null` (nested ones the object's path).
    The `attr` discriminators of those error unions go: a null cannot select a branch, and
    `oneOf` alone validates the same bodies."""
    schemas = result.get("components", {}).get("schemas", {})
    for schema in schemas.values():
        attr = schema.get("properties", {}).get("attr")
        if attr and any(
            str(value).endswith(api_settings.NON_FIELD_ERRORS_KEY) for value in attr.get("enum", [])
        ):
            values = [field_path(value) for value in attr["enum"]]
            attr["enum"] = values
            attr.pop("description", None)
            if None in values:
                attr["nullable"] = True
        discriminator = schema.get("discriminator") or {}
        if discriminator.get("propertyName") == "attr" and any(
            api_settings.NON_FIELD_ERRORS_KEY in key for key in discriminator.get("mapping", {})
        ):
            del schema["discriminator"]
    return result


def error_body(error_type: str, code: str, detail: str, attr: str | None = None) -> dict:
    return {"type": error_type, "errors": [{"code": code, "detail": detail, "attr": attr}]}


def json_not_found(request, exception=None):
    return JsonResponse(error_body("client_error", "not_found", _("Not found.")), status=404)


def json_bad_request(request, exception=None):
    """Django's 400 (a SuspiciousOperation outside a DRF view: an oversized form, a bad host)."""
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse(
            error_body("client_error", "request_too_large", _("The request body is too large.")), status=413
        )
    detail = str(exception) if isinstance(exception, SuspiciousOperation) else ""
    return JsonResponse(error_body("client_error", "bad_request", detail or _("Bad request.")), status=400)


# The pages people read in a browser: their 404s stay HTML.
HTML_SITES = ("/console/", "/admin/")


class JsonNotFoundMiddleware:
    """Under DEBUG, Django answers an unknown URL with its HTML technical page instead of
    `handler404`; clients of the API must see the same JSON 404 in development as in production.
    Rewrites an HTML 404 into the one error shape (a JSON 404 from a view passes untouched); the
    HTML admin sites keep their own pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and not request.path.startswith(HTML_SITES)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return json_not_found(request)
        return response


def json_server_error(request):
    """Django's 500 (a crash outside a DRF view: middleware, a plain Django view). Called while the
    exception is being handled, so `sys.exc_info()` names it: an unreachable database answers 503."""
    exception = sys.exc_info()[1]
    if is_database_unavailable(exception):
        database_unavailable_log(exception)
        unavailable = DatabaseUnavailable()
        response = JsonResponse(
            error_body("server_error", unavailable.default_code, str(unavailable.detail)), status=503
        )
        response["Retry-After"] = str(unavailable.wait)
        return response
    return JsonResponse(error_body("server_error", "error", _("A server error occurred.")), status=500)
