import pytest

from tests.cluster_platform.factories import UserFactory
from tests.devices.factories import DeviceFactory, DeviceTypeFactory
from tests.enterprises.factories import EnterpriseFactory, EnterpriseUserFactory, MembershipFactory


@pytest.fixture
def owner(cluster):
    """A user of an approved SME of `cluster` (the device owner)."""
    user = UserFactory()
    enterprise = EnterpriseFactory()
    EnterpriseUserFactory(enterprise=enterprise, user=user)
    MembershipFactory(cluster=cluster, enterprise=enterprise, role="sme")
    user.enterprise = enterprise
    return user


@pytest.fixture
def device(cluster, owner):
    return DeviceFactory(
        cluster=cluster, enterprise=owner.enterprise, device_type=DeviceTypeFactory(code="cnc")
    )
