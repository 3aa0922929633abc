import json
import random
import time

import paho.mqtt.client as mqtt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cluster_platform.models import Cluster
from devices.models import Device
from devices.mqtt import broker_address, topic_for
from devices.simulation import SimulatedDevice


class Command(BaseCommand):
    help = (
        "Publish realistic telemetry for a cluster's devices over MQTT (MQTT_URL, or the embedded "
        "broker) until interrupted. Each device reports every report interval of its type, divided "
        "by --speed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--cluster", required=True, help="The cluster's slug, e.g. wuxi-iot (several: gd-bags,gd-food)."
        )
        parser.add_argument(
            "--devices", type=int, default=200, help="How many devices of each cluster to simulate."
        )
        parser.add_argument("--speed", type=float, default=1.0, help="Report this many times faster.")
        parser.add_argument(
            "--seconds", type=float, default=0, help="Stop after this long (0: run until Ctrl-C)."
        )
        parser.add_argument("--url", default=None)

    def handle(self, *args, cluster, devices, speed, seconds, url, **options):
        cluster_row = Cluster.objects.filter(slug=cluster, is_active=True).first()
        if cluster_row is None:
            raise CommandError(f"No active cluster {cluster!r}.")
        rows = list(
            Device.objects.filter(cluster=cluster_row, revoked_at=None)
            .select_related("device_type")
            .order_by("name", "id")[:devices]
        )
        if not rows:
            raise CommandError(f"{cluster} has no devices; load the demo data first (manage.py seed_demo).")
        address = broker_address(url if url is not None else settings.MQTT_URL)
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"simulator-{cluster[:40]}",
            protocol=mqtt.MQTTv5 if (url or settings.MQTT_URL) else mqtt.MQTTv311,
        )
        if address.username:
            client.username_pw_set(address.username, address.password)
        client.max_inflight_messages_set(1000)
        client.connect(address.host, address.port, keepalive=60)
        client.loop_start()
        rng = random.Random(f"simulate:{cluster}")
        simulated = [
            (
                SimulatedDevice(
                    device_id=str(row.pk),
                    cluster_slug=row.cluster.slug,
                    keys=row.telemetry_keys,
                    running_key=row.device_type.running_key,
                    rng=random.Random(f"{rng.random()}"),
                ),
                max(0.05, row.device_type.report_interval_s / speed),
            )
            for row in rows
        ]
        start = time.monotonic()
        due = [start + rng.uniform(0, interval) for _device, interval in simulated]
        sent = 0
        self.stdout.write(f"simulating {len(rows)} devices of {cluster} on {address.host}:{address.port}")
        try:
            while not seconds or time.monotonic() - start < seconds:
                now = time.monotonic()
                for index, (device, interval) in enumerate(simulated):
                    if due[index] <= now:
                        epoch_ms = int(time.time() * 1000)
                        payload = {"ts": epoch_ms, "seq": epoch_ms, "values": device.step(interval * speed)}
                        client.publish(
                            topic_for(cluster_slug=cluster, device_id=device.device_id),
                            json.dumps(payload),
                            qos=1,
                        )
                        due[index] += interval
                        sent += 1
                time.sleep(max(0.0, min(due) - time.monotonic()))
        except KeyboardInterrupt:
            pass
        finally:
            client.disconnect()
            client.loop_stop()
        self.stdout.write(f"published {sent} messages")
