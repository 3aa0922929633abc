"""Wrong passwords per account, counted wherever they were tried.

Every door that takes a password (the token login, the browsable API's and the admin's session
logins, the password change's `current_password`) records a wrong one here, keyed on the account's
email, so that spreading guesses over doors or client addresses gains nothing. The API's
`PasswordGuessThrottle` refuses further attempts once the `login_account` rate is reached.

Django's `authenticate()` announces each failure with `user_login_failed` (with the credentials
minus the password); `user_login_failed_record` receives it, connected in `AppConfig.ready()`.
"""

import hashlib
import time

from django.core.cache import cache
from rest_framework.settings import api_settings

RATE_SCOPE = "login_account"


def _window() -> tuple[int, int] | None:
    """(allowed wrong passwords, window in seconds), or None when the rate is switched off."""
    rate = api_settings.DEFAULT_THROTTLE_RATES.get(RATE_SCOPE)
    if rate is None:
        return None
    count, period = rate.split("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]


def password_guess_key(account: str) -> str:
    # Hashed: an email is not a safe cache key everywhere (length, spaces), and need not be stored.
    digest = hashlib.sha256(account.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()
    return f"throttle_{RATE_SCOPE}_{digest}"


def password_guesses_recent(*, account: str, now: float | None = None) -> list[float]:
    """The times of the wrong passwords for `account` within the window, newest first."""
    window = _window()
    if window is None or not account:
        return []
    now = time.time() if now is None else now
    return [t for t in cache.get(password_guess_key(account), []) if t > now - window[1]]


def password_guess_record(*, account: str | None) -> None:
    """Count one wrong password for `account` (an email)."""
    window = _window()
    if window is None or not account:
        return
    now = time.time()
    history = password_guesses_recent(account=account, now=now)
    history.insert(0, now)
    # The newest `allowed` failures decide when the account is free again; older ones can go.
    cache.set(password_guess_key(account), history[: window[0]], window[1])


def user_login_failed_record(sender, credentials, request=None, **kwargs) -> None:
    """`user_login_failed` receiver: the token login passes `email`, Django's login forms pass
    `username` (which holds the email, the USERNAME_FIELD)."""
    account = credentials.get("email") or credentials.get("username")
    if isinstance(account, str):
        password_guess_record(account=account)
