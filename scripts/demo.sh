#!/usr/bin/env bash
# The `make demo` recipe: migrate, seed, serve. With REDIS_URL set, a Celery worker and beat
# run beside the web server and stop with it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DEBUG="${DEBUG:-true}"
# Every demo address is at .demo and reaches nobody, and seeding notifies thousands of them: drop
# the emails unless EMAIL_URL says otherwise (EMAIL_URL=consolemail:// prints them).
export EMAIL_URL="${EMAIL_URL:-dummymail://}"
PORT="${PORT:-8000}"
BASE="http://127.0.0.1:${PORT}"

$PY manage.py migrate --no-input
$PY manage.py seed_demo

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

background="Celery runs tasks in-process (no REDIS_URL)"
if [[ -n "${REDIS_URL:-}" ]]; then
    background="a Celery worker and beat run beside it (REDIS_URL)"
    .venv/bin/celery -A cluster_platform worker --loglevel=INFO --concurrency=2 &
    pids+=($!)
    .venv/bin/celery -A cluster_platform beat --loglevel=INFO --schedule=.celerybeat-schedule &
    pids+=($!)
fi

mail="Emails are sent through EMAIL_URL"
if [[ "$EMAIL_URL" == dummymail://* ]]; then
    mail="Emails are dropped (EMAIL_URL=consolemail:// make demo prints them)"
fi

cat <<TEXT

  Cluster digital-service platform is starting on ${BASE}/
    API root     ${BASE}/api/v1/
    Swagger UI   ${BASE}/api/docs/
    Admin        ${BASE}/admin/
    Console      ${BASE}/console/   (the agency console: sign in with an agency account below;
                 the dashboard is at ${BASE}/console/dashboard/)
  ${background}.
  ${mail}.
  Demo accounts (password for all: demo-pass-2026):
$($PY manage.py seed_demo --list-accounts 2>/dev/null)

  Stop with Ctrl-C. The embedded PostgreSQL (if used) keeps running: make stop-db stops it.

TEXT
$PY manage.py runserver "127.0.0.1:${PORT}"
