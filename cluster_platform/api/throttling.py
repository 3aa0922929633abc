"""Rate limits on password guessing, shared by every door that takes a password.

Four doors take a password: the token login (`/api/v1/auth/login/`), the browsable API's session
login (`/api-auth/login/`), the admin's (`/admin/login/`) and the agency console's (`/console/login/`);
the password change takes the current one. An attacker uses whichever is least guarded, so they share two limits:

- **per client address** (`login` rate): every sign-in attempt from one address, on any door. The
  address is DRF's `get_ident`, which trusts `X-Forwarded-For` only as far as `NUM_PROXIES` says
  (0 by default: the header is ignored, since the client writes it; see docs/operations.md).
- **per account** (`login_account` rate): wrong passwords for one email from any address, on any
  door, including a wrong `current_password` on the password change (`cluster_platform.password_guesses`
  counts them). Only failures count, so a user who signs in often is never limited by their own
  successes; once the limit is reached even the right password is refused until the window passes,
  or a botnet could keep guessing.

Rates are read from the settings at request time, and the counters live in the cache (Redis in
production, so every web worker shares them).
"""

import math
from functools import wraps

from django.http import JsonResponse
from django.shortcuts import render
from rest_framework.exceptions import Throttled
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from cluster_platform.api.errors import error_body
from cluster_platform.password_guesses import password_guesses_recent


class LiveRateThrottle(SimpleRateThrottle):
    """A throttle whose rate is looked up on each request, not frozen when DRF is imported."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class LiveScopedRateThrottle(ScopedRateThrottle):
    """DRF's ScopedRateThrottle (the view's `throttle_scope`, per client address or signed-in user),
    with the rate looked up on each request."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class SignInAddressThrottle(LiveRateThrottle):
    """Sign-in attempts from one client address, whichever door and account."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PasswordGuessThrottle(LiveRateThrottle):
    """Refuses an account whose recent wrong passwords reached the `login_account` rate. Checking
    does not count an attempt: only a wrong password does (`password_guess_record`).

    The view names the account through `guessed_account(request)`.
    """

    scope = "login_account"

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        account = view.guessed_account(request)
        if not isinstance(account, str) or not account:
            return True
        self.now = self.timer()
        self.history = password_guesses_recent(account=account, now=self.now)
        return len(self.history) < self.num_requests


class _FormLoginView:
    """What the throttles need to know of a Django login form (the admin's, the browsable API's):
    its `username` field holds the email (the USERNAME_FIELD)."""

    @staticmethod
    def guessed_account(request):
        return request.POST.get("username")


def sign_in_throttled(view_func):
    """Give a Django form login view (not a DRF view) the token login's limits: a POST over either
    limit answers 429 with Retry-After, before the password is checked: in the one error shape, or
    as a page for a browser (these are HTML forms)."""

    @wraps(view_func)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST":
            throttles = [SignInAddressThrottle(), PasswordGuessThrottle()]
            refused = [t for t in throttles if not t.allow_request(request, _FormLoginView)]
            if refused:
                waits = [w for w in (t.wait() for t in refused) if w is not None]
                wait = math.ceil(max(waits)) if waits else None
                detail = str(Throttled(wait=wait).detail)
                if "text/html" in request.headers.get("Accept", ""):
                    response = render(
                        request, "cluster_platform/sign_in_throttled.html", {"detail": detail}, status=429
                    )
                else:
                    response = JsonResponse(error_body("client_error", "throttled", detail), status=429)
                if wait is not None:
                    response["Retry-After"] = str(wait)
                return response
        return view_func(request, *args, **kwargs)

    return wrapped
