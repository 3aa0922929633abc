"""Demo data for the programmes: Wuxi's 2026 service-voucher programme with vouchers in every
state (paid and rejected claims among them), and the Guangdong clusters' partner programme
(accreditations, one expiring soon, tier criteria and proposals; suspended partners are out of
the catalog by the good-standing rule).

Idempotent: the programme is keyed on (cluster, name) and created once (creating it funds the
ledger); each demo voucher is keyed on (programme, SME) and, when missing, walked through the
real services to its demo state, so the ledger holds exactly the movements those services
write and reconciles to zero. Accreditation dates are set only where none is set yet.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from cluster_platform.models import Cluster, ClusterStaff, StaffRole
from enterprises.models import Membership, MembershipRole, MembershipStatus
from enterprises.selectors.memberships import partner_in_good_standing
from programmes.models import Voucher, VoucherProgramme, VoucherStatus
from programmes.selectors.eligibility import programme_eligibility_explain
from programmes.services.claims import claim_approve, claim_reject, claim_submit
from programmes.services.partners import accreditation_set, tier_criteria_set, tier_proposals_generate
from programmes.services.programmes import programme_create
from programmes.services.vouchers import (
    voucher_apply,
    voucher_approve,
    voucher_issue,
    voucher_redeem,
    voucher_reject,
    vouchers_expire,
)
from services.models import Engagement, EngagementEvent, EngagementStatus, Offering, OfferingStatus
from services.services.offerings import offering_search_refresh

WUXI = "wuxi-iot"
GUANGDONG = ["gd-bags", "gd-textiles", "gd-cosmetics", "gd-jewellery", "gd-food", "gd-furniture"]
PROGRAMME_NAME = "2026年无锡物联网产业集群数字化转型服务券"
# The demo's voucher states, in order, and how many SMEs hold each.
VOUCHER_PLAN = [
    (VoucherStatus.APPLIED, 4),
    (VoucherStatus.REJECTED, 2),
    (VoucherStatus.APPROVED, 4),
    (VoucherStatus.REDEEMED, 3),
    (VoucherStatus.CLAIMED, 2),
    (VoucherStatus.PAID, 4),
    (VoucherStatus.CLAIM_REJECTED, 1),
    (VoucherStatus.EXPIRED, 2),
]
# A one-page PDF standing in for the signed acceptance report (验收报告).
PROOF_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def accounts() -> list[tuple[str, str, str]]:
    return []


def seed(*, stdout) -> None:
    wuxi = Cluster.objects.filter(slug=WUXI).first()
    if wuxi is not None:
        programme = _wuxi_programme(wuxi)
        created = _wuxi_vouchers(wuxi, programme)
        stdout.write(f"  {WUXI}: voucher programme, {created} new vouchers")
    for slug in GUANGDONG:
        cluster = Cluster.objects.filter(slug=slug).first()
        if cluster is not None:
            accredited = _partner_programme(cluster)
            stdout.write(f"  {slug}: {accredited} accreditations set, tier proposals refreshed")


def _admin(cluster: Cluster):
    staff = ClusterStaff.objects.filter(cluster=cluster, role=StaffRole.ADMIN).select_related("user").first()
    return staff.user if staff else None


@transaction.atomic
def _wuxi_programme(cluster: Cluster) -> VoucherProgramme:
    existing = VoucherProgramme.objects.filter(cluster=cluster, name=PROGRAMME_NAME).first()
    if existing is not None:
        return existing
    return programme_create(
        cluster=cluster,
        by=_admin(cluster),
        name=PROGRAMME_NAME,
        description="对集群内中小企业首个数字化转型项目给予服务费30%的补助，每家企业最高5万元。",
        budget=Decimal("2000000.00"),
        per_sme_cap=Decimal("50000.00"),
        coverage_share=Decimal("0.300"),
        eligible_categories=["digital-diagnosis", "cloud-saas", "industrial-internet"],
        eligibility_rule={
            "all": [
                {"fact": "size_class", "op": "in", "value": ["medium", "small", "micro"]},
                {"fact": "region", "op": "within", "value": "320200"},
            ]
        },
        applications_open=date(2026, 1, 1),
        applications_close=date(2026, 12, 31),
        voucher_validity_days=180,
    )


def _wuxi_vouchers(cluster: Cluster, programme: VoucherProgramme) -> int:
    """Walk one SME per demo voucher through the services to its state; skip SMEs that have one."""
    admin = _admin(cluster)
    today = timezone.localdate()
    smes = list(
        Membership.objects.filter(cluster=cluster, role=MembershipRole.SME, status=MembershipStatus.APPROVED)
        .select_related("enterprise")
        .order_by("enterprise__uscc")
    )
    eligible = [
        membership.enterprise
        for membership in smes
        if programme_eligibility_explain(programme=programme, enterprise=membership.enterprise, today=today)[
            "eligible"
        ]
    ]
    offerings = list(
        Offering.objects.filter(
            partner_in_good_standing(),
            cluster=cluster,
            status=OfferingStatus.PUBLISHED,
            voucher_eligible=True,
            category__parent_id__in=programme.eligible_categories,
        )
        .select_related("category", "partner")
        .order_by("pk")
    )
    if not offerings:
        return 0
    rng = random.Random("cluster-platform-demo:programmes")
    holders = iter(eligible)
    created = 0
    for state, count in VOUCHER_PLAN:
        for _ in range(count):
            sme = next(holders, None)
            if sme is None:
                return created
            if Voucher.objects.filter(programme=programme, sme=sme).exists():
                continue
            offering = next(
                (
                    o
                    for o in rng.sample(offerings, len(offerings))
                    if o.partner_id != sme.pk
                    and not Engagement.objects.filter(cluster=cluster, offering=o, sme=sme).exists()
                ),
                None,
            )
            if offering is None:
                continue
            with transaction.atomic():
                _walk(cluster, programme, sme, offering, state, admin, today, rng)
            created += 1
    return created


def _walk(cluster, programme, sme, offering, state, admin, today, rng) -> None:
    if state == VoucherStatus.EXPIRED:
        # Approved long ago and never used: the daily expiry releases it.
        voucher = voucher_issue(programme=programme, sme=sme, by=admin, today=today - timedelta(days=200))
        vouchers_expire(today=today)
        return
    # Applications are dated inside the programme's 2026 window, whenever the demo is loaded.
    applied_on = min(max(today, programme.applications_open), programme.applications_close)
    voucher = voucher_apply(
        programme=programme, sme=sme, by=None, note="申请用于首个数字化转型项目。", today=applied_on
    )
    if state == VoucherStatus.APPLIED:
        return
    if state == VoucherStatus.REJECTED:
        voucher_reject(voucher=voucher, by=admin, reason="申报材料不完整，请补充近一年财务报表后重新申请。")
        return
    voucher = voucher_approve(voucher=voucher, by=admin, today=today)
    if state == VoucherStatus.APPROVED:
        return
    engagement = Engagement.objects.create(
        cluster=cluster,
        offering=offering,
        sme=sme,
        partner_id=offering.partner_id,
        message="使用服务券，请按合同价格开展服务。",
        status=EngagementStatus.ACCEPTED,
    )
    price = Decimal(rng.choice([60000, 90000, 120000, 180000, 240000]))
    voucher = voucher_redeem(
        voucher=voucher, engagement=engagement, contract_price=price, by=None, today=today
    )
    if state == VoucherStatus.REDEEMED:
        return
    engagement.status = EngagementStatus.COMPLETED
    engagement.save(update_fields=["status", "updated_at"])
    EngagementEvent.objects.create(
        cluster=cluster,
        engagement=engagement,
        action="confirm",
        from_status=EngagementStatus.DELIVERED,
        to_status=EngagementStatus.COMPLETED,
        actor_party="sme",
    )
    voucher.refresh_from_db()
    claim = claim_submit(
        voucher=voucher,
        partner=offering.partner,
        proof=ContentFile(PROOF_PDF, name="验收报告.pdf"),
        by=None,
        note="项目已验收，附验收报告。",
    )
    if state == VoucherStatus.PAID:
        claim_approve(claim=claim, by=admin, reason="验收材料齐全，同意拨付。")
    elif state == VoucherStatus.CLAIM_REJECTED:
        claim_reject(claim=claim, by=admin, reason="验收报告缺少企业盖章，不予拨付。")


def _partner_programme(cluster: Cluster) -> int:
    """Accredit the cluster's partners (one of them expiring within 60 days), set the criteria,
    propose tier moves."""
    admin = _admin(cluster)
    today = timezone.localdate()
    partners = list(
        Membership.objects.filter(
            cluster=cluster,
            role=MembershipRole.PARTNER,
            status__in=[MembershipStatus.APPROVED, MembershipStatus.SUSPENDED],
        ).order_by("enterprise__uscc")
    )
    accredited = 0
    for index, membership in enumerate(partners):
        if membership.accreditation_valid_until is not None:
            continue
        expiring = cluster.slug == GUANGDONG[0] and index == 0
        valid_until = today + timedelta(days=30 if expiring else 365 + 30 * (index % 6))
        accreditation_set(membership=membership, valid_until=valid_until, by=admin, today=today)
        accredited += 1
    if cluster.slug == GUANGDONG[0]:
        _suspended_partner_offering(cluster)
    if accredited:
        tier_criteria_set(
            cluster=cluster, by=admin, values={"certified_min_completed": 2, "strategic_min_completed": 6}
        )
    tier_proposals_generate(cluster=cluster, today=today)
    return accredited


def _suspended_partner_offering(cluster: Cluster) -> None:
    """Make sure a suspended partner of the cluster has a published offering, which the catalog
    then leaves out (good standing): the demo shows the rule at work."""
    suspended = (
        Membership.objects.filter(
            cluster=cluster, role=MembershipRole.PARTNER, status=MembershipStatus.SUSPENDED
        )
        .select_related("enterprise")
        .order_by("enterprise__uscc")
        .first()
    )
    if (
        suspended is None
        or Offering.objects.filter(
            cluster=cluster, partner=suspended.enterprise, status=OfferingStatus.PUBLISHED
        ).exists()
    ):
        return
    offering = Offering.objects.create(
        cluster=cluster,
        partner=suspended.enterprise,
        category_id="transformation-planning",
        title="箱包企业数字化转型规划（暂停中）",
        summary="会员资格暂停期间，本服务不在服务目录中展示。",
        delivery_mode="hybrid",
        price_model="fixed",
        price_min=Decimal("30000.00"),
        price_max=Decimal("30000.00"),
        voucher_eligible=True,
        status=OfferingStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    offering_search_refresh(offering=offering)
