"""The one error shape, for errors DRF raises and for those Django answers itself.

DRF errors go through drf-standardized-errors:
    {"type": "validation_error" | "client_error" | "server_error",
     "errors": [{"code": "...", "detail": "...", "attr": "field.path" | null}]}
Services raise Django's ValidationError; the handler below turns it into DRF's so it gets
the same field-level shape. The Django-level handlers give a 404 or 500 outside a DRF view
(an unknown URL, a crash in middleware) the same shape.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework.exceptions import ValidationError
from rest_framework.serializers import as_serializer_error


class PlatformExceptionHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc):
        if isinstance(exc, DjangoValidationError):
            return ValidationError(detail=as_serializer_error(exc))
        return super().convert_known_exceptions(exc)


def error_body(error_type: str, code: str, detail: str, attr: str | None = None) -> dict:
    return {"type": error_type, "errors": [{"code": code, "detail": detail, "attr": attr}]}


def json_not_found(request, exception=None):
    return JsonResponse(error_body("client_error", "not_found", _("Not found.")), status=404)


def json_server_error(request):
    return JsonResponse(error_body("server_error", "error", _("A server error occurred.")), status=500)
