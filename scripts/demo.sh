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

# Connected devices: the MQTT broker (MQTT_URL, or the embedded amqtt broker), the ingestion
# worker, and a simulator publishing telemetry for Wuxi's shared machines.
mqtt="Devices publish to MQTT_URL"
if [[ -z "${MQTT_URL:-}" ]]; then
    MQTT_PORT="${MQTT_EMBEDDED_PORT:-1884}"
    mqtt="Devices publish to the embedded MQTT broker on 127.0.0.1:${MQTT_PORT}"
    $PY manage.py run_mqtt_broker --port "$MQTT_PORT" >/dev/null &
    pids+=($!)
    sleep 2
fi
watch=()
[[ -z "${REDIS_URL:-}" ]] && watch=(--watch)  # no beat: the worker sweeps statuses and alarms itself
$PY manage.py ingest_telemetry "${watch[@]}" &
pids+=($!)
$PY manage.py simulate_devices --cluster wuxi-iot,gd-bags,gd-textiles,gd-cosmetics,gd-jewellery,gd-food,gd-furniture \
    --devices 200 >/dev/null &
pids+=($!)

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
  ${mqtt}; the ingestion worker and a device simulator run beside it.
  ${mail}.
  Demo accounts (password for all: demo-pass-2026):
$($PY manage.py seed_demo --list-accounts 2>/dev/null)

  Stop with Ctrl-C. The embedded PostgreSQL (if used) keeps running: make stop-db stops it.

TEXT
$PY manage.py runserver "127.0.0.1:${PORT}"
