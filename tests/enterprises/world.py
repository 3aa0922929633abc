"""Cluster A's enterprise rows for the isolation harness: a pending application, an audit entry and an
invitation from A's SME to someone outside both clusters (B's people must not accept or decline it)."""

from cluster_platform.services import audit_record
from enterprises.models import EnterpriseInvitation, MembershipRole, MembershipStatus
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
    EnterpriseInvitation.objects.create(
        enterprise=world.a.sme, email=f"invitee@{world.a.cluster.slug}.example", invited_by=world.a.sme_user
    )
