from dataclasses import dataclass

import pytest

from cluster_platform.models import Cluster, StaffRole, User
from enterprises.models import Enterprise, MembershipRole
from tests.cluster_platform.factories import ClusterFactory, ClusterStaffFactory, UserFactory
from tests.enterprises.factories import EnterpriseFactory, EnterpriseUserFactory, MembershipFactory

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
    staff = {role: ClusterStaffFactory(cluster=cluster, role=role).user for role in StaffRole.values}
    sme_user, partner_user = UserFactory(), UserFactory()
    sme = EnterpriseFactory(name="无锡感知科技有限公司", industry_code="C3983")
    partner = EnterpriseFactory(name="无锡云服软件有限公司", industry_code="I6513")
    EnterpriseUserFactory(enterprise=sme, user=sme_user)
    EnterpriseUserFactory(enterprise=partner, user=partner_user)
    MembershipFactory(cluster=cluster, enterprise=sme, role=MembershipRole.SME)
    MembershipFactory(
        cluster=cluster, enterprise=partner, role=MembershipRole.PARTNER, partner_tier="certified"
    )
    return People(
        cluster=cluster,
        other_cluster=other,
        admin=staff[StaffRole.ADMIN],
        operator=staff[StaffRole.OPERATOR],
        viewer=staff[StaffRole.VIEWER],
        other_staff=ClusterStaffFactory(cluster=other, role=StaffRole.ADMIN).user,
        sme_user=sme_user,
        sme=sme,
        partner_user=partner_user,
        partner=partner,
    )
