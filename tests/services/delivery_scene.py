"""One cluster with a person per role, a published offering and an approved machine.

A plain builder rather than fixtures, so that the delivery tests share it without a conftest."""

from dataclasses import dataclass

from cluster_platform.models import Cluster, StaffRole, User
from enterprises.models import Enterprise, MembershipRole
from services.models import Machine, Offering
from tests.cluster_platform.factories import ClusterFactory, UserFactory, staff_member
from tests.enterprises.factories import member_user
from tests.services.factories import MachineFactory, OfferingFactory

ROLES = [
    "anonymous",
    "outsider",
    "sme",
    "other_sme",
    "partner",
    "other_partner",
    "admin",
    "operator",
    "viewer",
]


@dataclass
class Scene:
    cluster: Cluster
    admin: User
    operator: User
    viewer: User
    sme_user: User
    sme: Enterprise
    other_sme_user: User
    other_sme: Enterprise
    partner_user: User
    partner: Enterprise
    other_partner_user: User
    other_partner: Enterprise
    outsider: User
    offering: Offering
    machine: Machine

    def user(self, role: str) -> User | None:
        return {
            "anonymous": None,
            "outsider": self.outsider,
            "sme": self.sme_user,
            "other_sme": self.other_sme_user,
            "partner": self.partner_user,
            "other_partner": self.other_partner_user,
            "admin": self.admin,
            "operator": self.operator,
            "viewer": self.viewer,
        }[role]

    def url(self, path: str) -> str:
        return f"/api/v1/clusters/{self.cluster.slug}/{path}"


def build_scene(*, capacity: int = 2, slug: str | None = None) -> Scene:
    cluster = ClusterFactory(**({"slug": slug} if slug else {}))
    staff = {role: staff_member(cluster, role) for role in StaffRole.values}
    sme_user, sme = member_user(cluster, MembershipRole.SME)
    other_sme_user, other_sme = member_user(cluster, MembershipRole.SME)
    partner_user, partner = member_user(cluster, MembershipRole.PARTNER, industry_code="I65")
    other_partner_user, other_partner = member_user(cluster, MembershipRole.PARTNER, industry_code="I65")
    offering = OfferingFactory(cluster=cluster, partner=partner, capacity=capacity)
    machine = MachineFactory(cluster=cluster, partner=partner)
    return Scene(
        cluster=cluster,
        admin=staff[StaffRole.ADMIN],
        operator=staff[StaffRole.OPERATOR],
        viewer=staff[StaffRole.VIEWER],
        sme_user=sme_user,
        sme=sme,
        other_sme_user=other_sme_user,
        other_sme=other_sme,
        partner_user=partner_user,
        partner=partner,
        other_partner_user=other_partner_user,
        other_partner=other_partner,
        outsider=UserFactory(),
        offering=offering,
        machine=machine,
    )
