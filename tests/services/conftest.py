from dataclasses import dataclass

import pytest

from cluster_platform.models import StaffRole, User
from enterprises.models import Enterprise, MembershipRole
from tests.cluster_platform.factories import ClusterStaffFactory, UserFactory
from tests.enterprises.factories import approved_member


@dataclass
class Actor:
    user: User
    enterprise: Enterprise | None = None


def _member(cluster, role, **enterprise_fields) -> Actor:
    user, enterprise = approved_member(cluster, role, **enterprise_fields)
    return Actor(user=user, enterprise=enterprise)


@pytest.fixture
def partner(cluster) -> Actor:
    return _member(cluster, MembershipRole.PARTNER, name="无锡物联云科技有限公司", industry_code="I65")


@pytest.fixture
def other_partner(cluster) -> Actor:
    return _member(cluster, MembershipRole.PARTNER, name="江苏智造软件有限公司", industry_code="I65")


@pytest.fixture
def sme(cluster) -> Actor:
    return _member(
        cluster,
        MembershipRole.SME,
        name="无锡精密传感器有限公司",
        contact_name="王经理",
        contact_phone="13800000000",
        contact_email="wang@example.com",
    )


@pytest.fixture
def other_sme(cluster) -> Actor:
    return _member(cluster, MembershipRole.SME, name="无锡箱包制造有限公司")


@pytest.fixture
def staff(cluster):
    """Agency staff of `cluster` by role."""
    return {role: ClusterStaffFactory(cluster=cluster, role=role).user for role in StaffRole.values}


@pytest.fixture
def outsider(db) -> Actor:
    """A signed-in user with no role in the cluster."""
    return Actor(user=UserFactory())
