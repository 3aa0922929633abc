"""Demo data for connected devices.

- Guangdong: 708 connected devices across the six cluster platforms (the figure the Guangdong
  "platform + cluster" model reports), owned by each cluster's approved SMEs, of the types their
  industries use.
- Wuxi: the physical machines of the shared MEMS fleet (manufacturing, test, packaging,
  metrology) get a MEMS-tool device linked to the machine, which drives its live status.

Each device gets a recent history of simulated telemetry through the real ingestion path, so
status, latest values, rollups and figures are those a live system would show; `make demo` then
keeps them live with `simulate_devices`. Devices are matched on (cluster, enterprise, name); only a
device without readings gets the history, so a second run writes nothing.
"""

import hashlib
import json
import random
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from cluster_platform.models import Cluster
from demo.clusters import sync_rows
from devices.models import Device
from devices.mqtt import topic_for
from devices.services.catalogue import device_types_sync
from devices.services.ingestion import InboundMessage, telemetry_ingest
from devices.simulation import SimulatedDevice
from enterprises.models import Membership, MembershipStatus
from services.models import Machine, MachineApproval

GD_DEVICE_TOTAL = 708
# The equipment each Guangdong industry connects first: (type, share of the cluster's devices).
GD_TYPES = {
    "gd-bags": [("cnc", 0.5), ("energy_meter", 0.3), ("sensor_gateway", 0.2)],
    "gd-textiles": [("energy_meter", 0.5), ("sensor_gateway", 0.3), ("cnc", 0.2)],
    "gd-cosmetics": [("injection_moulding", 0.5), ("sensor_gateway", 0.3), ("energy_meter", 0.2)],
    "gd-jewellery": [("cnc", 0.6), ("energy_meter", 0.2), ("sensor_gateway", 0.2)],
    "gd-food": [("sensor_gateway", 0.5), ("energy_meter", 0.5)],
    "gd-furniture": [("cnc", 0.5), ("smt_line", 0.1), ("energy_meter", 0.4)],
}
VENDORS = {
    "cnc": ("FANUC", "0i-MF Plus"),
    "injection_moulding": ("海天国际", "MA1600III"),
    "smt_line": ("Yamaha", "YSM20R"),
    "sensor_gateway": ("研华", "WISE-4050"),
    "energy_meter": ("正泰", "DTSU666"),
    "mems_tool": ("", ""),
}
WUXI_CONNECTED_KINDS = ("manufacturing", "test", "packaging", "metrology")
WUXI_CONNECTED_MAX = 200
HISTORY_MINUTES = 60
HISTORY_STEP_MINUTES = 5


def _demo_secret_hash(name: str) -> str:
    # No one holds a demo device's secret: rotating its credentials issues a usable one.
    return hashlib.sha256(f"demo-device:{name}:{random.Random(name).random()}".encode()).hexdigest()


def _gd_rows(types: dict, now) -> list[dict]:
    rows = []
    slugs = list(GD_TYPES)
    per_cluster = [
        GD_DEVICE_TOTAL // len(slugs) + (1 if n < GD_DEVICE_TOTAL % len(slugs) else 0)
        for n in range(len(slugs))
    ]
    for slug, count in zip(slugs, per_cluster, strict=True):
        cluster = Cluster.objects.filter(slug=slug).first()
        if cluster is None:
            continue
        smes = list(
            Membership.objects.filter(cluster=cluster, role="sme", status=MembershipStatus.APPROVED)
            .order_by("enterprise__uscc")
            .values_list("enterprise_id", flat=True)
        )
        if not smes:
            continue
        plan = [code for code, share in GD_TYPES[slug] for _n in range(round(count * share))]
        plan = (plan + [GD_TYPES[slug][0][0]] * count)[:count]
        for index, code in enumerate(plan):
            device_type = types[code]
            vendor, model = VENDORS[code]
            name = f"{device_type.name} {index + 1:03d}"
            rows.append(
                {
                    "cluster": cluster,
                    "enterprise_id": smes[index % len(smes)],
                    "name": name,
                    "device_type": device_type,
                    "vendor": vendor,
                    "model_name": model,
                    "location": f"{cluster.name} 车间 {index % 6 + 1}",
                    "telemetry_keys": device_type.default_keys,
                    "secret_hash": _demo_secret_hash(f"{slug}:{name}"),
                    "credentials_issued_at": now,
                }
            )
    return rows


def _wuxi_rows(types: dict, now) -> list[dict]:
    cluster = Cluster.objects.filter(slug="wuxi-iot").first()
    if cluster is None:
        return []
    machines = Machine.objects.filter(
        cluster=cluster, approval=MachineApproval.APPROVED, kind__in=WUXI_CONNECTED_KINDS
    ).order_by("asset_code")[:WUXI_CONNECTED_MAX]
    mems = types["mems_tool"]
    return [
        {
            "cluster": cluster,
            "enterprise_id": machine.partner_id,
            "name": f"{machine.name}（{machine.asset_code}）",
            "device_type": mems,
            "vendor": machine.manufacturer,
            "model_name": machine.model_name,
            "location": machine.location,
            "telemetry_keys": mems.default_keys,
            "machine": machine,
            "secret_hash": _demo_secret_hash(f"wuxi:{machine.asset_code}"),
            "credentials_issued_at": now,
        }
        for machine in machines
    ]


def _history(devices: list[Device], now) -> int:
    """The last hour of readings on a 5-minute grid, through the real ingestion."""
    grid_end = now.replace(second=0, microsecond=0)
    grid_end -= timedelta(minutes=grid_end.minute % HISTORY_STEP_MINUTES)
    stored = 0
    batch: list[InboundMessage] = []
    for device in devices:
        simulated = SimulatedDevice(
            device_id=str(device.pk),
            cluster_slug=device.cluster.slug,
            keys=device.telemetry_keys,
            running_key=device.device_type.running_key,
            rng=random.Random(f"demo-telemetry:{device.pk}"),
        )
        topic = topic_for(cluster_slug=device.cluster.slug, device_id=device.pk)
        for step in range(HISTORY_MINUTES // HISTORY_STEP_MINUTES, -1, -1):
            ts = grid_end - timedelta(minutes=step * HISTORY_STEP_MINUTES)
            epoch_ms = int(ts.timestamp() * 1000)
            payload = {"ts": epoch_ms, "seq": epoch_ms, "values": simulated.step(HISTORY_STEP_MINUTES * 60)}
            batch.append(InboundMessage(topic=topic, payload=json.dumps(payload).encode(), received_at=ts))
        if len(batch) >= 2000:
            stored += telemetry_ingest(messages=batch, now=now).accepted
            batch = []
    if batch:
        stored += telemetry_ingest(messages=batch, now=now).accepted
    return stored


def seed(*, stdout) -> None:
    now = timezone.now()
    issued = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)  # fixed, so a second run changes nothing
    types = device_types_sync()
    rows = _gd_rows(types, issued) + _wuxi_rows(types, issued)
    synced = sync_rows(Device, ["cluster", "enterprise_id", "name"], rows)
    # History only for devices that have none yet: a second run writes nothing, and from then on
    # the simulator (`make demo`) keeps them live.
    devices = list(
        Device.objects.filter(pk__in=[device.pk for device in synced.values()], latest_ts__isnull=True)
        .select_related("cluster", "device_type")
        .order_by("cluster__slug", "name")
    )
    stored = _history(devices, now)
    stdout.write(f"  devices: {len(synced)} connected, {stored} new readings")
