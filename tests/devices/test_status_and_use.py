"""Status from the last message, downsampled ranges, utilisation, agency figures and alarms."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from cluster_platform.models import Notification
from devices.models import Alarm, AlarmKind, AlarmRule, DeviceStatus, DeviceStatusChange
from devices.mqtt import topic_for
from devices.selectors.telemetry import cluster_device_figures, device_utilisation, telemetry_range
from devices.services.alarms import alarm_rules_evaluate
from devices.services.ingestion import InboundMessage, telemetry_ingest
from devices.services.status import devices_mark_offline
from devices.utilisation import day_shares
from tests.cluster_platform.factories import ClusterStaffFactory
from tests.devices.factories import DeviceFactory
from tests.services.factories import MachineFactory

pytestmark = pytest.mark.django_db


def send(device, readings, *, now=None):
    """readings: [(ts, seq, values)]"""
    return telemetry_ingest(
        messages=[
            InboundMessage(
                topic=topic_for(cluster_slug=device.cluster.slug, device_id=device.pk),
                payload=json.dumps({"ts": int(ts.timestamp() * 1000), "seq": seq, "values": values}).encode(),
                received_at=ts,
            )
            for ts, seq, values in readings
        ],
        now=now,
    )


def test_a_silent_device_goes_offline_after_its_types_heartbeat_and_back_online(device):
    start = timezone.now() - timedelta(minutes=10)
    send(device, [(start, 1, {"spindle_speed": 100})], now=start)
    assert devices_mark_offline(now=start + timedelta(seconds=60)) == 0  # cnc: 120 s heartbeat
    assert devices_mark_offline(now=start + timedelta(seconds=121)) == 1
    device.refresh_from_db()
    assert device.status == DeviceStatus.OFFLINE
    later = start + timedelta(minutes=5)
    send(device, [(later, 2, {"spindle_speed": 100})], now=later)
    device.refresh_from_db()
    assert device.status == DeviceStatus.ONLINE
    history = list(
        DeviceStatusChange.objects.filter(device=device).order_by("at").values_list("status", flat=True)
    )
    assert history == ["online", "offline", "online"]
    assert devices_mark_offline(now=later + timedelta(seconds=10)) == 0


def test_a_range_is_downsampled_into_buckets(device):
    start = timezone.now().replace(microsecond=0) - timedelta(minutes=30)
    send(device, [(start + timedelta(seconds=10 * n), n, {"spindle_speed": n}) for n in range(60)])
    buckets = telemetry_range(
        device=device, key="spindle_speed", start=start, end=start + timedelta(minutes=10), buckets=6
    )
    assert [bucket["count"] for bucket in buckets] == [10] * 6
    assert buckets[0]["min"] == 0 and buckets[0]["max"] == 9 and buckets[0]["avg"] == 4.5
    assert buckets[5]["start"] == start + timedelta(minutes=500 / 60)
    assert (
        telemetry_range(
            device=device, key="spindle_speed", start=start, end=start + timedelta(minutes=10), buckets=1
        )[0]["count"]
        == 60
    )


def test_utilisation_shares_are_running_idle_and_offline():
    assert day_shares(messages=8640, running_messages=4320, report_interval_s=10) == {
        "running": 0.5,
        "idle": 0.5,
        "offline": 0.0,
    }
    assert day_shares(messages=0, running_messages=0, report_interval_s=10)["offline"] == 1.0
    assert day_shares(messages=9999, running_messages=9999, report_interval_s=10)["running"] == 1.0


def test_daily_utilisation_comes_from_the_hourly_rollups(device):
    now = timezone.now()
    send(
        device,
        [(now - timedelta(seconds=n * 10), n, {"spindle_speed": 0 if n % 2 else 900}) for n in range(6)],
    )
    today = timezone.localdate(now)
    days = device_utilisation(device=device, date_from=today - timedelta(days=1), date_to=today)
    assert [day["messages"] for day in days][-1] >= 1
    total = sum(day["messages"] for day in days)
    assert total == 6
    assert sum(day["running"] for day in days) == pytest.approx(30 / 86400, abs=1e-4)


def test_the_utilisation_endpoint_shows_booked_beside_measured(cluster, owner, client_for):
    machine = MachineFactory(cluster=cluster, partner=owner.enterprise)
    device = DeviceFactory(cluster=cluster, enterprise=owner.enterprise, machine=machine)
    send(device, [(timezone.now(), 1, {"spindle_speed": 800})])
    today = timezone.localdate()
    answer = client_for(owner).get(
        f"/api/v1/clusters/{cluster.slug}/devices/{device.pk}/utilisation/",
        {"date_from": str(today), "date_to": str(today)},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["booked_utilisation"] == 0.0 and answer.json()["measured_utilisation"] > 0
    detail = client_for(owner).get(f"/api/v1/clusters/{cluster.slug}/devices/{device.pk}/").json()
    assert detail["machine_live_status"] == "running"
    bad = client_for(owner).get(
        f"/api/v1/clusters/{cluster.slug}/devices/{device.pk}/utilisation/",
        {"date_from": "x", "date_to": str(today)},
    )
    assert bad.status_code == 400


def test_agency_figures_count_only_the_clusters_devices(cluster, device, client_for):
    other = DeviceFactory()  # another cluster
    now = timezone.now()
    send(device, [(now, n, {"spindle_speed": 1}) for n in range(3)])
    send(other, [(now, n, {"spindle_speed": 1}) for n in range(5)])
    DeviceFactory(cluster=cluster)  # never seen
    figures = cluster_device_figures(cluster=cluster)
    assert (figures["devices_connected"], figures["devices_online"]) == (2, 1)
    assert figures["messages_per_day"][-1]["messages"] == 3
    staff = ClusterStaffFactory(cluster=cluster).user
    answer = client_for(staff).get(f"/api/v1/clusters/{cluster.slug}/devices/figures/")
    assert answer.status_code == 200 and answer.json()["devices_connected"] == 2


def test_a_value_alarm_is_raised_after_the_duration_once_and_cleared(device, owner):
    rule = AlarmRule.objects.create(
        cluster=device.cluster,
        enterprise=device.enterprise,
        device=device,
        name="主轴过载",
        kind=AlarmKind.ABOVE,
        key="spindle_load",
        threshold=95,
        duration_s=60,
    )
    t0 = timezone.now() - timedelta(minutes=5)
    send(
        device,
        [(t0 + timedelta(seconds=10 * n), n, {"spindle_load": 50 if n < 3 else 99}) for n in range(10)],
    )
    # Above since t0+30 s: not yet 60 s at t0+80 s, then 60 s at t0+90 s.
    assert alarm_rules_evaluate(now=t0 + timedelta(seconds=80)) == {"raised": 0, "cleared": 0}
    assert alarm_rules_evaluate(now=t0 + timedelta(seconds=90)) == {"raised": 1, "cleared": 0}
    assert alarm_rules_evaluate(now=t0 + timedelta(seconds=95)) == {"raised": 0, "cleared": 0}  # deduplicated
    alarm = Alarm.objects.get(rule=rule)
    assert alarm.status == "active" and alarm.value == 99
    assert Notification.objects.filter(user=owner, kind="device_alarm").count() == 1
    send(device, [(t0 + timedelta(seconds=100), 10, {"spindle_load": 60})])
    assert alarm_rules_evaluate(now=t0 + timedelta(seconds=101)) == {"raised": 0, "cleared": 1}
    alarm.refresh_from_db()
    assert alarm.status == "cleared" and alarm.cleared_at is not None


def test_an_offline_alarm_on_a_device_type(device):
    AlarmRule.objects.create(
        cluster=device.cluster,
        enterprise=device.enterprise,
        device_type=device.device_type,
        name="设备离线",
        kind=AlarmKind.OFFLINE,
        duration_s=300,
    )
    start = timezone.now() - timedelta(hours=1)
    send(device, [(start, 1, {"spindle_speed": 1})], now=start)
    devices_mark_offline(now=start + timedelta(seconds=200))
    assert alarm_rules_evaluate(now=start + timedelta(seconds=400))["raised"] == 0
    assert alarm_rules_evaluate(now=start + timedelta(seconds=600))["raised"] == 1


def test_owners_create_alarm_rules_for_their_devices_only(cluster, owner, device, client_for):
    url = f"/api/v1/clusters/{cluster.slug}/device-alarm-rules/"
    foreign = DeviceFactory(cluster=cluster)
    body = {"name": "超温", "kind": "above", "key": "spindle_load", "threshold": 90, "duration_s": 30}
    assert client_for(owner).post(url, {**body, "device": str(foreign.pk)}, format="json").status_code == 400
    assert (
        client_for(owner)
        .post(url, {**body, "device": str(device.pk), "key": "nope"}, format="json")
        .status_code
        == 400
    )
    answer = client_for(owner).post(url, {**body, "device": str(device.pk)}, format="json")
    assert answer.status_code == 201, answer.content
    assert AlarmRule.objects.get().device == device
