"""MQTT plumbing shared by the ingestion worker, the broker provisioning and the simulator.

Topics: `clusters/{cluster_slug}/devices/{device_id}/telemetry` and `.../status`. The broker
is `settings.MQTT_URL` or, when that is unset, the embedded broker on MQTT_EMBEDDED_PORT.
"""

import functools
import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings

TOPIC_RE = re.compile(
    r"^clusters/(?P<cluster>[-a-zA-Z0-9_]+)/devices/(?P<device>[^/]+)/(?P<channel>telemetry|status)$"
)
TELEMETRY_FILTER = "clusters/+/devices/+/telemetry"
STATUS_FILTER = "clusters/+/devices/+/status"


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class ParsedTopic:
    cluster_slug: str
    device_id: uuid.UUID
    channel: str


def broker_address(url: str | None = None) -> BrokerAddress:
    url = url if url is not None else settings.MQTT_URL
    if not url:
        return BrokerAddress(host="127.0.0.1", port=settings.MQTT_EMBEDDED_PORT)
    parsed = urlparse(url)
    return BrokerAddress(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 1883,
        username=parsed.username,
        password=parsed.password,
    )


def topic_for(*, cluster_slug: str, device_id, channel: str = "telemetry") -> str:
    return f"clusters/{cluster_slug}/devices/{device_id}/{channel}"


@functools.lru_cache(maxsize=65536)  # a worker sees the same few thousand topics over and over
def topic_parse(topic: str) -> ParsedTopic | None:
    match = TOPIC_RE.match(topic)
    if match is None:
        return None
    try:
        device_id = uuid.UUID(match["device"])
    except ValueError:
        return None
    return ParsedTopic(cluster_slug=match["cluster"], device_id=device_id, channel=match["channel"])
