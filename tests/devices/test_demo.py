import io

import pytest
from django.db import connection

from demo import devices as demo
from devices.models import Device, DeviceStatus, DeviceType
from devices.selectors.telemetry import cluster_device_figures, machine_live_status
from enterprises.models import MembershipRole
from tests.cluster_platform.factories import ClusterFactory
from tests.devices.factories import DeviceTypeFactory
from tests.enterprises.factories import member_user
from tests.services.factories import MachineFactory

pytestmark = pytest.mark.django_db


def _readings() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM devices_telemetry")
        return cursor.fetchone()[0]


def test_demo_connects_708_guangdong_devices_and_wuxis_machines_idempotently():
    DeviceTypeFactory(code="cnc", heartbeat_timeout_s=1)  # changed since: the seed puts it back
    for slug in demo.GD_TYPES:
        cluster = ClusterFactory(slug=slug)
        for _ in range(3):
            member_user(cluster, MembershipRole.SME)
    wuxi = ClusterFactory(slug="wuxi-iot")
    partner = member_user(wuxi, MembershipRole.PARTNER)[1]
    machines = [MachineFactory(cluster=wuxi, partner=partner, kind="manufacturing") for _ in range(5)]
    MachineFactory(cluster=wuxi, partner=partner, kind="simulation")  # a workstation: not connected

    demo.seed(stdout=io.StringIO())
    gd = Device.objects.filter(cluster__slug__startswith="gd-")
    assert gd.count() == 708
    wuxi_devices = Device.objects.filter(cluster=wuxi)
    assert sorted(d.machine_id for d in wuxi_devices) == sorted(m.pk for m in machines)
    assert set(Device.objects.values_list("status", flat=True)) == {DeviceStatus.ONLINE}
    assert all(
        machine_live_status(device=d) in ("running", "idle")
        for d in wuxi_devices.select_related("device_type")
    )
    assert cluster_device_figures(cluster=wuxi)["messages_per_day"][-1]["messages"] > 0
    first = (
        Device.objects.count(),
        _readings(),
        list(Device.objects.order_by("pk").values_list("updated_at", flat=True)),
    )

    demo.seed(stdout=io.StringIO())
    assert (
        Device.objects.count(),
        _readings(),
        list(Device.objects.order_by("pk").values_list("updated_at", flat=True)),
    ) == first
    assert DeviceType.objects.get(code="cnc").heartbeat_timeout_s == 120
