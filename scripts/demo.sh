#!/usr/bin/env bash
# The `make demo` recipe: migrate, seed, serve. With REDIS_URL set, a Celery worker and beat
# run beside the web server and stop with it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DEBUG="${DEBUG:-true}"

$PY manage.py migrate --no-input
$PY manage.py seed_demo

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

if [[ -n "${REDIS_URL:-}" ]]; then
    .venv/bin/celery -A cluster_platform worker --loglevel=INFO --concurrency=2 &
    pids+=($!)
    .venv/bin/celery -A cluster_platform beat --loglevel=INFO --schedule=.celerybeat-schedule &
    pids+=($!)
fi

cat <<TEXT

  Cluster digital-service platform is starting on http://127.0.0.1:8000/
    API root     http://127.0.0.1:8000/api/v1/
    Swagger UI   http://127.0.0.1:8000/api/docs/
    Admin        http://127.0.0.1:8000/admin/
  Demo accounts (password for all: demo-pass-2026):
$($PY manage.py seed_demo --list-accounts 2>/dev/null)

TEXT
$PY manage.py runserver 127.0.0.1:8000
