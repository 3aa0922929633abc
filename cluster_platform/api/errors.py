"""The one error shape, for errors DRF raises and for those Django answers itself.

DRF errors go through drf-standardized-errors:
    {"type": "validation_error" | "client_error" | "server_error",
     "errors": [{"code": "...", "detail": "...", "attr": "field.path" | null}]}
The Django-level handlers below give a 404 or 500 outside a DRF view the same shape.
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException


class Conflict(APIException):
    """409: the request is well-formed but contradicts the current state (a duplicate, a bad transition)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


def error_body(error_type: str, code: str, detail: str, attr: str | None = None) -> dict:
    return {"type": error_type, "errors": [{"code": code, "detail": detail, "attr": attr}]}


def json_not_found(request, exception=None):
    return JsonResponse(error_body("client_error", "not_found", _("Not found.")), status=404)


def json_server_error(request):
    return JsonResponse(error_body("server_error", "error", _("A server error occurred.")), status=500)
