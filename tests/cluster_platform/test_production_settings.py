"""The production settings: hardened, and serving static files through WhiteNoise."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str | None) -> subprocess.CompletedProcess:
    """Run manage.py with the production settings; an env value of None removes the variable."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cluster_platform.settings.production",
        # The settings only parse the URL; no command here connects.
        "DATABASE_URL": "postgres://nobody@127.0.0.1:5432/none",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    for name in ("SECURE_SSL_REDIRECT", "DEBUG", "ALLOWED_HOSTS", "CELERY_IN_PROCESS"):
        environment.pop(name, None)
    for name, value in env.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_a_real_secret():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY="k" * 20 + "-real-secret-" + "x7Q" * 10
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    for secret in (None, ""):
        result = _manage("check", SECRET_KEY=secret)

        assert result.returncode != 0
        assert "SECRET_KEY" in result.stderr


def test_static_files_are_served_by_whitenoise_with_hashed_names():
    code = (
        "from django.conf import settings; "
        "m = settings.MIDDLEWARE; print(m[m.index('django.middleware.security.SecurityMiddleware') + 1]); print(settings.STORAGES['staticfiles']['BACKEND'])"
    )
    result = _manage("shell", "--verbosity", "0", "-c", code, SECRET_KEY="s" * 50)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]


SECRET = "s" * 50


def test_production_refuses_to_start_without_a_database_url():
    for database_url in (None, ""):
        result = _manage("check", SECRET_KEY=SECRET, DATABASE_URL=database_url)

        assert result.returncode != 0
        assert "Set DATABASE_URL" in result.stderr
        assert "embedded" in result.stderr


def test_production_refuses_to_start_without_a_broker_unless_in_process_is_intended():
    refused = _manage("check", SECRET_KEY=SECRET, REDIS_URL=None)
    not_intended = _manage("check", SECRET_KEY=SECRET, REDIS_URL=None, CELERY_IN_PROCESS="false")
    intended = _manage("check", SECRET_KEY=SECRET, REDIS_URL=None, CELERY_IN_PROCESS="true")

    assert refused.returncode != 0
    assert "Set REDIS_URL" in refused.stderr
    assert not_intended.returncode != 0
    assert intended.returncode == 0, intended.stderr


def test_uploaded_files_live_on_the_media_volume_of_web_and_worker():
    """Voucher claims' proofs are written by web and read by the API and the worker: production's
    MEDIA_ROOT is the directory the image prepares, and compose mounts one named volume there in
    both services (a file written in one container must be there for the other, and after a
    redeploy)."""
    import yaml

    result = _manage(
        "shell",
        "--verbosity",
        "0",
        "-c",
        "from django.conf import settings; print(settings.MEDIA_ROOT)",
        SECRET_KEY=SECRET,
    )
    assert result.returncode == 0, result.stderr
    media_root = result.stdout.strip()
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
    for service in ("web", "worker"):
        mounts = dict(volume.split(":", 1) for volume in compose["services"][service]["volumes"])
        assert mounts.get("media") == media_root, service
    assert "media" in compose["volumes"]
    assert media_root in (ROOT / "docker" / "Dockerfile").read_text()  # created for the app user
