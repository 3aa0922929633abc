#!/bin/sh
# The ingestion workers' account on the broker's dynamic-security plugin, run by the one-shot
# `mosquitto-setup` service of compose.yaml once the broker is up. Idempotent: mosquitto_ctrl
# reports an account or an ACL that already exists and carries on. Device accounts are not made
# here: the platform provisions each device when it is registered (devices/broker.py).
set -eu

ctl() {
    mosquitto_ctrl -h "${MQTT_HOST:-mosquitto}" -p "${MQTT_HOST_PORT:-1883}" -u platform-admin -P "$MQTT_ADMIN_PASSWORD" dynsec "$@" 2>&1 \
        | grep -v -e 'without encryption' -e 'visible on the network' -e '^$' || true
}

# Fails the service (and so the ingest service that waits for it) if the broker or the admin
# password is wrong; the calls below tolerate "already exists".
mosquitto_ctrl -h "${MQTT_HOST:-mosquitto}" -p "${MQTT_HOST_PORT:-1883}" -u platform-admin -P "$MQTT_ADMIN_PASSWORD" \
    dynsec listClients >/dev/null 2>&1
ctl createRole ingest
for filter in 'clusters/+/devices/+/telemetry' 'clusters/+/devices/+/status'; do
    ctl addRoleACL ingest subscribePattern "$filter" allow
    # Mosquitto checks a shared subscription against its full filter, $share/<group>/ included.
    ctl addRoleACL ingest subscribePattern "\$share/+/$filter" allow
done
ctl addRoleACL ingest publishClientReceive 'clusters/+/devices/+/#' allow
ctl createClient ingest -p "$MQTT_INGEST_PASSWORD"
ctl setClientPassword ingest "$MQTT_INGEST_PASSWORD"
ctl addClientRole ingest ingest
echo "mosquitto-setup: the ingest account is ready"
