"""One voucher scene: a cluster with its agency, an SME, a partner and a voucher-eligible offering."""

from dataclasses import dataclass

import pytest

from cluster_platform.models import Cluster, StaffRole, User
from enterprises.models import Enterprise, MembershipRole
from services.models import Engagement, Offering
from tests.cluster_platform.factories import ClusterFactory, ClusterStaffFactory
from tests.enterprises.factories import member_user
from tests.programmes.factories import VoucherProgrammeFactory
from tests.services.factories import EngagementFactory, OfferingFactory


@dataclass
class Scene:
    cluster: Cluster
    admin: User
    viewer: User
    sme_user: User
    sme: Enterprise
    partner_user: User
    partner: Enterprise
    offering: Offering

    def programme(self, **fields):
        return VoucherProgrammeFactory(cluster=self.cluster, by=self.admin, **fields)

    def engagement(self, *, sme: Enterprise | None = None, status: str = "accepted") -> Engagement:
        return EngagementFactory(
            offering=self.offering,
            cluster=self.cluster,
            partner=self.partner,
            sme=sme or self.sme,
            status=status,
        )

    def new_sme(self, **fields) -> tuple[User, Enterprise]:
        return member_user(self.cluster, MembershipRole.SME, **fields)


def build_scene() -> Scene:
    cluster = ClusterFactory()
    admin = ClusterStaffFactory(cluster=cluster, role=StaffRole.ADMIN).user
    viewer = ClusterStaffFactory(cluster=cluster, role=StaffRole.VIEWER).user
    sme_user, sme = member_user(cluster, MembershipRole.SME)
    partner_user, partner = member_user(cluster, MembershipRole.PARTNER, industry_code="I65")
    offering = OfferingFactory(
        cluster=cluster, partner=partner, category_id="saas-mes", voucher_eligible=True, price_model="fixed"
    )
    return Scene(cluster, admin, viewer, sme_user, sme, partner_user, partner, offering)


@pytest.fixture
def scene(db) -> Scene:
    return build_scene()
