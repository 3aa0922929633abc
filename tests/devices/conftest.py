import pytest

from tests.devices.factories import DeviceFactory, DeviceTypeFactory
from tests.enterprises.factories import member_user


@pytest.fixture
def owner(cluster):
    """A user of an approved SME of `cluster` (the device owner), with `.enterprise` set."""
    user, enterprise = member_user(cluster)
    user.enterprise = enterprise
    return user


@pytest.fixture
def device(cluster, owner):
    return DeviceFactory(
        cluster=cluster, enterprise=owner.enterprise, device_type=DeviceTypeFactory(code="cnc")
    )
