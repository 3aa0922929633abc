"""Device accounts on Mosquitto's dynamic-security plugin.

Why the plugin: it ships with Mosquitto 2 (no extra build), changes take effect at once without a
broker restart, and its control topic lets the platform provision an account with the plaintext
secret at the only moment the platform has it. Each device gets a username (its id), the secret
as password, and a role that allows publishing only under `clusters/{slug}/devices/{id}/`; the
plugin's default denies every other publish. Revoking disables the account, so the broker refuses
the next connection.

Without MQTT_DYNSEC_URL (the embedded broker, a plain development Mosquitto) nothing is
provisioned; the ingestion worker checks every message's topic against its device and cluster
anyway, so a message the broker let through is still dead-lettered.
"""

import json
import logging
import threading
import uuid

import paho.mqtt.client as mqtt
from django.conf import settings

from devices.mqtt import broker_address, topic_for

logger = logging.getLogger(__name__)

CONTROL_TOPIC = "$CONTROL/dynamic-security/v1"
RESPONSE_TOPIC = f"{CONTROL_TOPIC}/response"
TIMEOUT_S = 5


class BrokerProvisioningError(RuntimeError):
    pass


def _role_name(device) -> str:
    return f"device-{device.pk}"


def dynsec_commands(commands: list[dict], *, url: str | None = None) -> list[dict]:
    """Send commands to the plugin and return its responses (one per command, in order)."""
    address = broker_address(url if url is not None else settings.MQTT_DYNSEC_URL)
    done = threading.Event()
    responses: list[dict] = []
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"platform-dynsec-{uuid.uuid4().hex[:12]}",
        protocol=mqtt.MQTTv5,
    )
    if address.username:
        client.username_pw_set(address.username, address.password)

    def on_connect(client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            done.set()
            return
        client.subscribe(RESPONSE_TOPIC, qos=1)

    def on_subscribe(client, userdata, mid, reason_codes, properties):
        client.publish(CONTROL_TOPIC, json.dumps({"commands": commands}), qos=1)

    def on_message(client, userdata, message):
        responses.extend(json.loads(message.payload).get("responses", []))
        done.set()

    client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
    client.connect(address.host, address.port, keepalive=30)
    client.loop_start()
    try:
        if not done.wait(TIMEOUT_S) or not responses:
            raise BrokerProvisioningError("the dynamic-security plugin did not answer")
    finally:
        client.disconnect()
        client.loop_stop()
    return responses


def device_account_set(*, device, secret: str) -> None:
    """Create or update the device's broker account with this secret, and enable it."""
    if not settings.MQTT_DYNSEC_URL:
        return
    role = _role_name(device)
    username = str(device.pk)
    own_topics = topic_for(cluster_slug=device.cluster.slug, device_id=device.pk, channel="#")
    commands = [
        {"command": "createRole", "rolename": role},
        {
            "command": "addRoleACL",
            "rolename": role,
            "acltype": "publishClientSend",
            "topic": own_topics,
            "priority": 0,
            "allow": True,
        },
        {"command": "createClient", "username": username, "password": secret, "roles": [{"rolename": role}]},
        {"command": "setClientPassword", "username": username, "password": secret},
        {"command": "addClientRole", "username": username, "rolename": role},
        {"command": "enableClient", "username": username},
    ]
    try:
        responses = dynsec_commands(commands)
    except (OSError, BrokerProvisioningError):
        logger.exception(
            "device %s: broker account not provisioned; rotate its credentials to retry", username
        )
        return
    # Only the password and enabling must succeed; the "already exists" answers are expected.
    for response in responses:
        if response.get("command") in ("setClientPassword", "enableClient") and response.get("error"):
            logger.error("device %s: broker refused %s: %s", username, response["command"], response["error"])


def device_account_disable(*, device) -> None:
    if not settings.MQTT_DYNSEC_URL:
        return
    try:
        dynsec_commands([{"command": "disableClient", "username": str(device.pk)}])
    except (OSError, BrokerProvisioningError):
        logger.exception("device %s: broker account not disabled", device.pk)
