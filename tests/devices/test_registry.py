"""Registering devices, their credentials (shown once, stored hashed), rotation and revocation."""

import pytest

from devices.models import Device
from devices.services.registry import device_authenticate, device_secret_hash
from tests.cluster_platform.factories import ClusterFactory, ClusterStaffFactory, UserFactory
from tests.devices.factories import FACTORY_SECRET, DeviceFactory, DeviceTypeFactory
from tests.enterprises.factories import member_user
from tests.services.factories import MachineFactory

pytestmark = pytest.mark.django_db


def devices_url(cluster, *parts):
    return "/".join([f"/api/v1/clusters/{cluster.slug}/devices", *map(str, parts)]) + "/"


def test_a_member_registers_a_device_and_sees_its_secret_once(cluster, owner, client_for):
    DeviceTypeFactory(code="cnc")
    answer = client_for(owner).post(
        devices_url(cluster), {"device_type": "cnc", "name": "立式加工中心 1号"}, format="json"
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    device = Device.objects.get(pk=body["device"]["id"])
    assert device.enterprise == owner.enterprise and device.cluster == cluster
    assert device.telemetry_keys["spindle_speed"] == {"unit": "rpm", "type": "number"}
    assert body["username"] == str(device.pk)
    assert body["mqtt_topic"] == f"clusters/{cluster.slug}/devices/{device.pk}/telemetry"
    # Stored hashed, never in plaintext; the detail view never shows it again.
    assert device.secret_hash == device_secret_hash(body["secret"]) != body["secret"]
    detail = client_for(owner).get(devices_url(cluster, device.pk)).json()
    assert body["secret"] not in str(detail)
    assert device_authenticate(device_id=str(device.pk), secret=body["secret"]) == device


def test_declared_keys_are_validated_field_by_field(cluster, owner, client_for):
    DeviceTypeFactory(code="cnc")
    answer = client_for(owner).post(
        devices_url(cluster),
        {"device_type": "cnc", "name": "x", "telemetry_keys": {"Bad Key": {"type": "number"}}},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["attr"] == "telemetry_keys"
    answer = client_for(owner).post(
        devices_url(cluster),
        {"device_type": "cnc", "name": "x", "telemetry_keys": {"temp": {"type": "decimal"}}},
        format="json",
    )
    assert answer.status_code == 400
    assert not Device.objects.exists()


def test_a_device_may_drive_only_a_machine_of_its_own_enterprise(cluster, owner, client_for):
    DeviceTypeFactory(code="mems_tool")
    own = MachineFactory(cluster=cluster, partner=owner.enterprise)
    foreign = MachineFactory(cluster=cluster)
    elsewhere = MachineFactory(cluster=ClusterFactory(), partner=owner.enterprise)
    for machine in (foreign, elsewhere):
        answer = client_for(owner).post(
            devices_url(cluster),
            {"device_type": "mems_tool", "name": "刻蚀机", "machine": str(machine.pk)},
            format="json",
        )
        assert answer.status_code == 400 and answer.json()["errors"][0]["attr"] == "machine"
    answer = client_for(owner).post(
        devices_url(cluster),
        {"device_type": "mems_tool", "name": "刻蚀机", "machine": str(own.pk)},
        format="json",
    )
    assert answer.status_code == 201
    assert Device.objects.get().machine == own


def test_outsiders_cannot_register_devices(cluster, client_for):
    DeviceTypeFactory(code="cnc")
    staff = ClusterStaffFactory(cluster=cluster).user
    for user in (None, UserFactory(), staff):
        answer = client_for(user).post(
            devices_url(cluster), {"device_type": "cnc", "name": "x"}, format="json"
        )
        assert answer.status_code in (401, 403)
    assert not Device.objects.exists()


def test_rotation_replaces_the_secret_and_revocation_refuses_it(cluster, owner, device, client_for):
    assert device_authenticate(device_id=str(device.pk), secret=FACTORY_SECRET) == device
    rotated = client_for(owner).post(devices_url(cluster, device.pk, "rotate-credentials"))
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert device_authenticate(device_id=str(device.pk), secret=FACTORY_SECRET) is None
    assert device_authenticate(device_id=str(device.pk), secret=new_secret) == device

    revoked = client_for(owner).post(devices_url(cluster, device.pk, "revoke"))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert device_authenticate(device_id=str(device.pk), secret=new_secret) is None


def test_staff_see_every_device_but_cannot_change_them(cluster, device, client_for):
    DeviceFactory(cluster=cluster)
    viewer = ClusterStaffFactory(cluster=cluster, role="viewer").user
    listing = client_for(viewer).get(devices_url(cluster))
    assert listing.status_code == 200 and listing.json()["count"] == 2
    assert client_for(viewer).post(devices_url(cluster, device.pk, "revoke")).status_code == 403
    device.refresh_from_db()
    assert device.revoked_at is None


def test_a_member_sees_only_its_own_devices(cluster, owner, device, client_for):
    other = member_user(cluster).user
    assert client_for(other).get(devices_url(cluster)).json()["count"] == 0
    assert client_for(other).get(devices_url(cluster, device.pk)).status_code == 404
    assert client_for(owner).get(devices_url(cluster)).json()["count"] == 1


def test_the_device_type_catalogue_is_public(api_client, db):
    DeviceTypeFactory(code="energy_meter")
    answer = api_client.get("/api/v1/device-types/energy_meter/")
    assert answer.status_code == 200 and answer.json()["default_keys"]["power_kw"]["unit"] == "kW"


def test_the_device_list_queries_do_not_grow_with_the_devices(
    cluster, owner, client_for, django_assert_max_num_queries
):
    machine_type = DeviceTypeFactory(code="mems_tool")
    client = client_for(owner)
    url = devices_url(cluster)
    for count in (3, 12):
        while Device.objects.filter(cluster=cluster).count() < count:
            DeviceFactory(
                cluster=cluster,
                enterprise=owner.enterprise,
                device_type=machine_type,
                machine=MachineFactory(cluster=cluster, partner=owner.enterprise),
            )
        with django_assert_max_num_queries(12):
            assert client.get(url).json()["count"] == count
