"""The programmes' rows in the isolation world: cluster A's programme, vouchers in each state,
a claim with its proof and the ledger they wrote."""

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enterprises.models import Membership
from programmes.services.claims import claim_submit
from programmes.services.partners import accreditation_set, tier_criteria_set, tier_proposals_generate
from programmes.services.vouchers import voucher_apply, voucher_approve, voucher_redeem
from services.models import EngagementStatus
from tests.enterprises.factories import member_user
from tests.programmes.factories import VoucherProgrammeFactory
from tests.services.factories import EngagementFactory, OfferingFactory
from tests.tenancy.world import World


def build(world: World) -> None:
    a = world.a
    today = timezone.localdate()
    programme = VoucherProgrammeFactory(
        cluster=a.cluster,
        by=a.admin,
        name="A集群服务券",
        budget=Decimal("300000"),
        per_sme_cap=Decimal("50000"),
        applications_open=today - timedelta(days=10),
        applications_close=today + timedelta(days=30),
    )
    offering = OfferingFactory(
        cluster=a.cluster,
        partner=a.partner,
        category_id="saas-mes",
        voucher_eligible=True,
        title="A集群券可用服务",
    )
    world.public_ids.add(str(offering.pk))  # published: in A's public catalog by design
    # A's SME holds a voucher redeemed on a completed engagement and claimed by A's partner.
    voucher = voucher_approve(
        voucher=voucher_apply(programme=programme, sme=a.sme, by=a.sme_user), by=a.admin
    )
    engagement = EngagementFactory(
        offering=offering, cluster=a.cluster, partner=a.partner, sme=a.sme, status=EngagementStatus.ACCEPTED
    )
    voucher = voucher_redeem(
        voucher=voucher, engagement=engagement, contract_price=Decimal("60000"), by=a.sme_user
    )
    engagement.status = EngagementStatus.COMPLETED
    engagement.save(update_fields=["status"])
    voucher.refresh_from_db()
    claim_submit(
        voucher=voucher,
        partner=a.partner,
        proof=SimpleUploadedFile("A集群验收报告.pdf", b"%PDF-1.7\n%%EOF\n"),
        by=a.partner_user,
    )
    # Two more of A's SMEs: one application waiting, one voucher approved and unused.
    _user, waiting = member_user(a.cluster, "sme", name="A集群待审企业")
    voucher_apply(programme=programme, sme=waiting, by=None)
    _user, holder = member_user(a.cluster, "sme", name="A集群持券企业")
    voucher_approve(voucher=voucher_apply(programme=programme, sme=holder, by=None), by=a.admin)
    # The partner programme: A's criteria (out of A's partner's reach, so that it is proposed
    # for demotion), A's partner accredited.
    tier_criteria_set(
        cluster=a.cluster, by=a.admin, values={"certified_min_completed": 100, "strategic_min_completed": 100}
    )
    accreditation_set(
        membership=Membership.objects.get(cluster=a.cluster, enterprise=a.partner, role="partner"),
        valid_until=today + timedelta(days=20),
        by=a.admin,
    )
    assert tier_proposals_generate(cluster=a.cluster) >= 1
