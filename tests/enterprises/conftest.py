from dataclasses import dataclass

import pytest

from cluster_platform.models import Cluster, StaffRole, User
from enterprises.models import Enterprise, MembershipRole
from tests.cluster_platform.factories import ClusterFactory, staff_member
from tests.enterprises.factories import member_user

ROLES = ["anonymous", "other_staff", "sme", "partner", "viewer", "operator", "admin"]


@dataclass
class People:
    cluster: Cluster
    other_cluster: Cluster
    admin: User
    operator: User
    viewer: User
    other_staff: User
    sme_user: User
    sme: Enterprise
    partner_user: User
    partner: Enterprise

    def user(self, role: str) -> User | None:
        return {
            "anonymous": None,
            "other_staff": self.other_staff,
            "sme": self.sme_user,
            "partner": self.partner_user,
            "viewer": self.viewer,
            "operator": self.operator,
            "admin": self.admin,
        }[role]


@pytest.fixture
def people(db) -> People:
    cluster = ClusterFactory(slug="wuxi-iot")
    other = ClusterFactory(slug="gd-bags")
    staff = {role: staff_member(cluster, role) for role in StaffRole.values}
    sme_user, sme = member_user(
        cluster, MembershipRole.SME, name="无锡感知科技有限公司", industry_code="C3983"
    )
    partner_user, partner = member_user(
        cluster, MembershipRole.PARTNER, name="无锡云服软件有限公司", industry_code="I6513"
    )
    return People(
        cluster=cluster,
        other_cluster=other,
        admin=staff[StaffRole.ADMIN],
        operator=staff[StaffRole.OPERATOR],
        viewer=staff[StaffRole.VIEWER],
        other_staff=staff_member(other, StaffRole.ADMIN),
        sme_user=sme_user,
        sme=sme,
        partner_user=partner_user,
        partner=partner,
    )
