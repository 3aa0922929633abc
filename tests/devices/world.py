"""The devices' rows in the isolation world: cluster A's devices, telemetry and its rollups, status
history, dead letters, alarm rules and alarms. None is public."""

import json

from django.utils import timezone

from devices.models import Alarm, AlarmKind, AlarmRule, AlarmStatus
from devices.mqtt import topic_for
from devices.services.ingestion import InboundMessage, telemetry_ingest
from tests.devices.factories import DeadLetterFactory, DeviceFactory, DeviceTypeFactory
from tests.tenancy.world import World


def build(world: World) -> None:
    a = world.a
    device = DeviceFactory(
        cluster=a.cluster, enterprise=a.sme, device_type=DeviceTypeFactory(code="cnc"), name="A集群加工中心"
    )
    DeviceFactory(cluster=a.cluster, enterprise=a.partner, device_type=DeviceTypeFactory(code="energy_meter"))
    now = timezone.now()
    telemetry_ingest(
        messages=[
            InboundMessage(
                topic=topic_for(cluster_slug=a.cluster.slug, device_id=device.pk),
                payload=json.dumps(
                    {"ts": int(now.timestamp() * 1000) - n, "seq": n, "values": {"spindle_load": 99}}
                ).encode(),
                received_at=now,
            )
            for n in range(3)
        ],
        now=now,
    )
    DeadLetterFactory(device=device)
    rule = AlarmRule.objects.create(
        cluster=a.cluster,
        enterprise=a.sme,
        device=device,
        name="A集群主轴过载",
        kind=AlarmKind.ABOVE,
        key="spindle_load",
        threshold=95,
        duration_s=0,
    )
    Alarm.objects.create(
        cluster=a.cluster, rule=rule, device=device, status=AlarmStatus.ACTIVE, raised_at=now
    )
