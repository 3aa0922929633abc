"""Production settings: refuse to start without a real secret, DEBUG off, hardened transport."""

import environ
from django.core.exceptions import ImproperlyConfigured

from cluster_platform.settings.base import *  # noqa: F403
from cluster_platform.settings.base import env

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
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "cluster_platform.security.ContentSecurityPolicyMiddleware",
)
if env("CONTENT_SECURITY_POLICY", default=""):
    CONTENT_SECURITY_POLICY = env("CONTENT_SECURITY_POLICY")

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
