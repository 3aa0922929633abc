"""Production settings: refuse to start without a real secret, a real database and a task broker;
DEBUG off, hardened transport."""

import os

import environ
from django.core.exceptions import ImproperlyConfigured


def _require_production_services(environment) -> None:
    """Refuse to start rather than fall back to the development defaults.

    Without DATABASE_URL the base settings would start an embedded PostgreSQL inside the
    container (data lost with it); without REDIS_URL tasks would run inside the web process,
    beat would never run and the periodic sweeps would never happen. Checked before the base
    settings are imported, because importing them already starts the embedded server.
    """
    if not environment.get("DATABASE_URL", "").strip():
        raise ImproperlyConfigured(
            "Set DATABASE_URL (postgres://user:password@host:5432/name): production settings never "
            "start the embedded development database."
        )
    in_process = environment.get("CELERY_IN_PROCESS", "").strip().lower() in {"1", "true", "yes", "on"}
    if not environment.get("REDIS_URL", "").strip() and not in_process:
        raise ImproperlyConfigured(
            "Set REDIS_URL (redis://host:6379/0) for the Celery broker, or CELERY_IN_PROCESS=true "
            "if tasks are meant to run inside the web process (no worker, no beat)."
        )


_require_production_services(os.environ)

from cluster_platform.settings.base import *  # noqa: E402, F403
from cluster_platform.settings.base import env  # noqa: E402

SECRET_KEY = environ.Env()("SECRET_KEY")  # no default: a missing secret stops the process
if not SECRET_KEY.strip():
    raise ImproperlyConfigured("Set the SECRET_KEY environment variable to a long random value.")
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]

# gunicorn serves /static/ (the admin's and Swagger UI's assets) through WhiteNoise, right after
# SecurityMiddleware. collectstatic (run when the image is built) writes hashed, compressed copies
# that WhiteNoise serves with far-future cache headers. Development (runserver) and tests keep
# the plain storage, which needs no collectstatic.
MIDDLEWARE = [*MIDDLEWARE]  # noqa: F405
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
# Every response carries the Content-Security-Policy of cluster_platform/security.py; a deployment
# may replace it (CONTENT_SECURITY_POLICY), e.g. to allow a CDN.
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
    "cluster_platform.security.ContentSecurityPolicyMiddleware",
)
if env("CONTENT_SECURITY_POLICY", default=""):
    CONTENT_SECURITY_POLICY = env("CONTENT_SECURITY_POLICY")

# Uploaded files (voucher claims' proofs of delivery) live outside the code: the image creates
# this directory for the app user and docker/compose.yaml mounts the `media` volume on it in web
# and worker. They are served only through the API's permission checks, never by URL.
MEDIA_ROOT = env.path("MEDIA_ROOT", default="/var/lib/cluster-platform/media")

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
