"""Cluster A's enterprise rows for the isolation harness: a pending application and an audit entry."""

from cluster_platform.services import audit_record
from enterprises.models import MembershipRole, MembershipStatus
from tests.enterprises.factories import EnterpriseFactory, EnterpriseUserFactory, MembershipFactory


def build(world) -> None:
    applicant = EnterpriseFactory(name=f"{world.a.cluster.slug} applicant")
    EnterpriseUserFactory(enterprise=applicant)
    pending = MembershipFactory(
        cluster=world.a.cluster,
        enterprise=applicant,
        role=MembershipRole.SME,
        status=MembershipStatus.PENDING,
    )
    audit_record(
        cluster=world.a.cluster,
        actor=world.a.admin,
        action="membership.tier_changed",
        target=pending,
        before={"partner_tier": ""},
        after={"partner_tier": ""},
    )
