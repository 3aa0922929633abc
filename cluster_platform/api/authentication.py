"""Token authentication that answers 401, never 500, to a malformed Authorization header."""

from django.utils.translation import gettext as _
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class PlatformTokenAuthentication(TokenAuthentication):
    """knox's token authentication; a header whose bytes are not UTF-8 (knox decodes the token and
    fails with UnicodeDecodeError) is an invalid token, like any other."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except UnicodeError:
            raise AuthenticationFailed(_("Invalid token.")) from None
