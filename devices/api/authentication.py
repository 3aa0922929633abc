"""Device credentials on HTTP: `Authorization: Device <device id>:<secret>`."""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from devices.models import Device
from devices.services.registry import device_authenticate

KEYWORD = "Device"


class DeviceCredentialAuthentication(BaseAuthentication):
    """Authenticates a device (request.auth), not a person: request.user stays anonymous."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2 or b":" not in parts[1]:
            raise AuthenticationFailed(_("Use 'Device <device id>:<secret>'."))
        device_id, _colon, secret = parts[1].decode("latin-1").partition(":")
        device = device_authenticate(device_id=device_id, secret=secret)
        if device is None:
            raise AuthenticationFailed(_("Unknown device, wrong secret or revoked credentials."))
        return AnonymousUser(), device

    def authenticate_header(self, request):
        return KEYWORD


class IsAuthenticatedDevice(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, Device)


class DeviceCredentialScheme(OpenApiAuthenticationExtension):
    target_class = DeviceCredentialAuthentication
    name = "deviceCredentials"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Device <device id>:<secret>",
        }
