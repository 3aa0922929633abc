"""Domain exceptions services raise; the API's exception handler renders them in the one error shape.

Services raise django.core.exceptions.ValidationError (a dict of field -> messages for
field-level errors) for bad input, and these for conflicts with the current state.
"""

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException


class Conflict(APIException):
    """409: well-formed, but contradicts the current state (a duplicate, a forbidden transition)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state of the resource.")
    default_code = "conflict"


class InvalidTransition(Conflict):
    """409 for a state machine: names the current state and the transitions allowed from it."""

    default_code = "invalid_transition"

    def __init__(self, *, current: str, requested: str, allowed: list[str]):
        self.allowed = sorted(allowed)
        detail = _("Cannot %(requested)s from state %(current)s; allowed: %(allowed)s.") % {
            "requested": requested,
            "current": current,
            "allowed": ", ".join(self.allowed) or "-",
        }
        super().__init__(detail=detail)


class RequestTooLarge(APIException):
    """413: a body over DATA_UPLOAD_MAX_MEMORY_SIZE."""

    status_code = 413
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"

    def __init__(self):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        super().__init__(gettext("The request body is larger than %(limit)d bytes.") % {"limit": limit})


class DatabaseUnavailable(APIException):
    """503: the database cannot be reached (down, restarting, refusing connections). The request
    changed nothing, and the same request may succeed once the database is back."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The service is temporarily unavailable; try again shortly.")
    default_code = "database_unavailable"
    # Seconds a client should wait before retrying (the Retry-After header).
    wait = 5
