"""Settings for the test suite: the same PostgreSQL (embedded or DATABASE_URL), fast hashing."""

import tempfile
from pathlib import Path

from cluster_platform.settings.base import *  # noqa: F403
from cluster_platform.settings.base import REST_FRAMEWORK

DEBUG = False
# Uploads (voucher claims' proofs) go to the system's temporary directory, not the working tree.
MEDIA_ROOT = Path(tempfile.gettempdir()) / "cluster-platform-test-media"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests exercise throttling explicitly with their own rates; everything else must not trip it.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "login": "1000/min",
        "login_account": "1000/min",
        "register": "1000/min",
        "anon_check": "1000/min",
    },
}
