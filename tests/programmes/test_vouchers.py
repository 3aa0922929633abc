"""The voucher flow through the services: eligibility, decisions, redemption, claims, expiry."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from cluster_platform.exceptions import Conflict, InvalidTransition
from cluster_platform.models import AuditLog, Notification
from enterprises.models import Membership, MembershipStatus
from programmes.models import ClaimStatus, LedgerEntry, VoucherStatus
from programmes.selectors.eligibility import programme_eligibility_explain
from programmes.selectors.ledger import programme_reconciliation
from programmes.services.claims import claim_approve, claim_reject, claim_submit
from programmes.services.programmes import programme_create, programme_update
from programmes.services.vouchers import (
    voucher_apply,
    voucher_approve,
    voucher_issue,
    voucher_redeem,
    voucher_reject,
    voucher_subsidy,
    vouchers_expire,
)
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SMALL_ONLY = {"fact": "employees", "op": "lte", "value": 100}


def _proof(name="验收报告.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _approved(scene, programme=None, **fields):
    programme = programme or scene.programme(**fields)
    return voucher_approve(
        voucher=voucher_apply(programme=programme, sme=scene.sme, by=scene.sme_user), by=scene.admin
    )


def _redeemed(scene, price=Decimal("100000"), **fields):
    voucher = _approved(scene, **fields)
    engagement = scene.engagement()
    return voucher_redeem(
        voucher=voucher, engagement=engagement, contract_price=price, by=scene.sme_user
    ), engagement


def _claimed(scene, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    voucher, engagement = _redeemed(scene)
    engagement.status = "completed"
    engagement.save(update_fields=["status"])
    voucher.refresh_from_db()
    return claim_submit(voucher=voucher, partner=scene.partner, proof=_proof(), by=scene.partner_user)


# --- Programmes -----------------------------------------------------------------------------------


def test_a_programme_funds_its_ledger_and_records_the_decision(scene):
    programme = scene.programme(budget=Decimal("500000"))
    assert list(LedgerEntry.objects.filter(programme=programme).values_list("kind", "amount")) == [
        ("fund", Decimal("500000.00"))
    ]
    assert AuditLog.objects.filter(action="programme.create", target_id=str(programme.pk)).exists()


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"per_sme_cap": Decimal("2000000")}, "per_sme_cap"),
        ({"coverage_share": Decimal("1.5")}, "coverage_share"),
        ({"coverage_share": Decimal("0")}, "coverage_share"),
        ({"eligible_categories": ["no-such-category"]}, "eligible_categories"),
        ({"eligibility_rule": {"fact": "employees", "op": "has", "value": 3}}, "eligibility_rule"),
        ({"voucher_validity_days": 0}, "voucher_validity_days"),
    ],
)
def test_bad_programme_input_is_a_field_error_and_writes_nothing(scene, fields, error_field):
    values = {
        "name": "服务券",
        "budget": Decimal("1000000"),
        "per_sme_cap": Decimal("50000"),
        "coverage_share": Decimal("0.3"),
        "applications_open": timezone.localdate(),
        "applications_close": timezone.localdate() + timedelta(days=30),
        "voucher_validity_days": 90,
        **fields,
    }
    with pytest.raises(ValidationError) as caught:
        programme_create(cluster=scene.cluster, by=scene.admin, **values)
    assert error_field in caught.value.message_dict
    assert not LedgerEntry.objects.exists()


def test_the_budget_only_grows_and_the_increase_is_a_fund_row(scene):
    programme = scene.programme(budget=Decimal("100000"), per_sme_cap=Decimal("10000"))
    programme_update(programme=programme, by=scene.admin, changes={"budget": Decimal("150000")})
    assert programme_reconciliation(programme=programme).funded == Decimal("150000")
    assert programme_reconciliation(programme=programme).balanced
    with pytest.raises(ValidationError) as caught:
        programme_update(programme=programme, by=scene.admin, changes={"budget": Decimal("90000")})
    assert "budget" in caught.value.message_dict


# --- Applications -----------------------------------------------------------------------------------


def test_an_eligible_sme_applies_and_the_agency_is_told(scene):
    programme = scene.programme(eligibility_rule=SMALL_ONLY)
    voucher = voucher_apply(programme=programme, sme=scene.sme, by=scene.sme_user)
    assert voucher.status == VoucherStatus.APPLIED
    assert voucher.amount == programme.per_sme_cap
    assert voucher.eligibility["eligible"] is True
    assert voucher.eligibility["conditions"][0]["outcome"] == "met"
    assert Notification.objects.filter(user=scene.admin, kind="voucher.applied").count() == 1
    assert programme_reconciliation(programme=programme).reserved == 0


def test_an_ineligible_sme_is_told_which_condition_it_misses(scene):
    programme = scene.programme(eligibility_rule=SMALL_ONLY)
    _user, big = scene.new_sme(employees=500)
    explanation = programme_eligibility_explain(programme=programme, enterprise=big)
    assert explanation["eligible"] is False
    assert explanation["status"] == "near_miss"
    assert explanation["conditions"][0]["actual"] == 500
    with pytest.raises(ValidationError) as caught:
        voucher_apply(programme=programme, sme=big, by=None)
    assert "500" in caught.value.message_dict["sme"][0]


def test_applications_outside_the_window_or_twice_are_refused(scene):
    today = timezone.localdate()
    closed = scene.programme(
        applications_open=today - timedelta(days=60), applications_close=today - timedelta(days=1)
    )
    with pytest.raises(ValidationError) as caught:
        voucher_apply(programme=closed, sme=scene.sme, by=None)
    assert "programme" in caught.value.message_dict
    programme = scene.programme()
    voucher_apply(programme=programme, sme=scene.sme, by=None)
    with pytest.raises(Conflict):
        voucher_apply(programme=programme, sme=scene.sme, by=None)


def test_a_rejected_application_needs_a_reason_and_may_be_followed_by_another(scene):
    programme = scene.programme()
    voucher = voucher_apply(programme=programme, sme=scene.sme, by=None)
    with pytest.raises(ValidationError):
        voucher_reject(voucher=voucher, by=scene.admin, reason=" ")
    voucher_reject(voucher=voucher, by=scene.admin, reason="材料不全")
    assert AuditLog.objects.filter(action="voucher.reject").count() == 1
    assert Notification.objects.filter(user=scene.sme_user, kind="voucher.rejected").count() == 1
    with pytest.raises(InvalidTransition):
        voucher_approve(voucher=voucher, by=scene.admin)
    assert voucher_apply(programme=programme, sme=scene.sme, by=None).status == VoucherStatus.APPLIED


def test_approval_reserves_and_notifies(scene):
    voucher = _approved(scene)
    assert voucher.status == VoucherStatus.APPROVED
    assert voucher.valid_until == timezone.localdate() + timedelta(days=180)
    assert AuditLog.objects.filter(action="voucher.approve").count() == 1
    assert Notification.objects.filter(user=scene.sme_user, kind="voucher.approved").count() == 1
    assert programme_reconciliation(programme=voucher.programme).reserved == voucher.amount


def test_the_agency_issues_directly_to_an_approved_member_only(scene):
    programme = scene.programme()
    voucher = voucher_issue(programme=programme, sme=scene.sme, by=scene.admin)
    assert voucher.status == VoucherStatus.APPROVED
    assert AuditLog.objects.filter(action="voucher.issue").count() == 1
    Membership.objects.filter(enterprise=scene.partner).update(status=MembershipStatus.SUSPENDED)
    with pytest.raises(ValidationError):
        voucher_issue(programme=programme, sme=scene.partner, by=scene.admin)


# --- Redemption ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "share", "price", "subsidy"),
    [
        (Decimal("50000"), Decimal("0.3"), Decimal("100000"), Decimal("30000.00")),
        (Decimal("50000"), Decimal("0.3"), Decimal("500000"), Decimal("50000")),
        (Decimal("50000"), Decimal("0.333"), Decimal("100.01"), Decimal("33.30")),
        (Decimal("50000"), Decimal("1"), Decimal("1234.5"), Decimal("1234.50")),
    ],
)
def test_subsidy_is_the_covered_share_at_most_the_amount(amount, share, price, subsidy):
    assert voucher_subsidy(amount=amount, share=share, price=price) == subsidy


def test_redemption_commits_the_subsidy_and_releases_the_rest(scene):
    voucher, engagement = _redeemed(scene, price=Decimal("100000"))
    assert (voucher.status, voucher.subsidy, voucher.engagement_id) == (
        VoucherStatus.REDEEMED,
        Decimal("30000.00"),
        engagement.pk,
    )
    report = programme_reconciliation(programme=voucher.programme)
    assert (report.committed, report.released, report.reserved) == (Decimal("30000"), Decimal("20000"), 0)
    assert Notification.objects.filter(user=scene.partner_user, kind="voucher.redeemed").count() == 1


def test_redemption_refuses_engagements_the_programme_does_not_cover(scene):
    voucher = _approved(scene, eligible_categories=["digital-diagnosis"])
    other_user, other = scene.new_sme()
    not_eligible = OfferingFactory(cluster=scene.cluster, partner=scene.partner, voucher_eligible=False)
    cases = [
        scene.engagement(),  # saas-mes is not under digital-diagnosis
        scene.engagement(sme=other),  # another SME's engagement
        scene.engagement(status="completed"),
    ]
    scene.offering = not_eligible
    cases.append(scene.engagement(status="requested"))
    for engagement in cases:
        with pytest.raises(ValidationError) as caught:
            voucher_redeem(voucher=voucher, engagement=engagement, contract_price=Decimal("1000"), by=None)
        assert "engagement" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        voucher_redeem(voucher=voucher, engagement=cases[0], contract_price=Decimal("0"), by=None)
    assert "contract_price" in caught.value.message_dict
    assert LedgerEntry.objects.filter(voucher=voucher).count() == 1


def test_a_parent_category_covers_its_children(scene):
    voucher = _approved(scene, eligible_categories=["cloud-saas"])
    redeemed = voucher_redeem(
        voucher=voucher, engagement=scene.engagement(), contract_price=Decimal("1000"), by=None
    )
    assert redeemed.status == VoucherStatus.REDEEMED


def test_a_suspended_partners_engagement_takes_no_voucher(scene):
    voucher = _approved(scene)
    engagement = scene.engagement()
    Membership.objects.filter(enterprise=scene.partner).update(status=MembershipStatus.SUSPENDED)
    with pytest.raises(ValidationError, match="good standing"):
        voucher_redeem(voucher=voucher, engagement=engagement, contract_price=Decimal("1000"), by=None)


def test_a_voucher_is_redeemed_once(scene):
    voucher, _engagement = _redeemed(scene)
    scene.offering = OfferingFactory(
        cluster=scene.cluster, partner=scene.partner, category_id="saas-mes", voucher_eligible=True
    )
    with pytest.raises(InvalidTransition):
        voucher_redeem(
            voucher=voucher,
            engagement=scene.engagement(status="requested"),
            contract_price=Decimal("1"),
            by=None,
        )


# --- Claims -----------------------------------------------------------------------------------------


def test_claim_then_payout(scene, tmp_path, settings):
    claim = _claimed(scene, tmp_path, settings)
    assert claim.status == ClaimStatus.SUBMITTED
    assert claim.proof_content_type == "application/pdf"
    assert claim.proof.read() == PDF
    assert Notification.objects.filter(user=scene.admin, kind="voucher.claimed").count() == 1
    claim_approve(claim=claim, by=scene.admin)
    claim.voucher.refresh_from_db()
    assert claim.voucher.status == VoucherStatus.PAID
    report = programme_reconciliation(programme=claim.voucher.programme)
    assert (report.paid, report.committed) == (Decimal("30000"), 0)
    assert report.balanced
    assert AuditLog.objects.filter(action="voucher_claim.approve").count() == 1
    assert Notification.objects.filter(user=scene.partner_user, kind="voucher_claim.paid").count() == 1
    with pytest.raises(InvalidTransition):
        claim_reject(claim=claim, by=scene.admin, reason="重复")


def test_a_rejected_claim_returns_the_subsidy_to_the_budget(scene, tmp_path, settings):
    claim = _claimed(scene, tmp_path, settings)
    with pytest.raises(ValidationError):
        claim_reject(claim=claim, by=scene.admin, reason="")
    claim_reject(claim=claim, by=scene.admin, reason="验收报告未盖章")
    claim.refresh_from_db()
    assert (claim.status, claim.decision_reason) == (ClaimStatus.REJECTED, "验收报告未盖章")
    report = programme_reconciliation(programme=claim.voucher.programme)
    assert (report.committed, report.paid, report.available) == (0, 0, report.funded)
    assert report.balanced
    assert AuditLog.objects.filter(action="voucher_claim.reject").count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("proof.pdf", b"", "empty"),
        ("proof.exe", b"MZ\x90\x00" * 8, "PDF, PNG or JPEG"),
        ("proof.png", PDF, "does not match"),
        ("proof.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "10 MB"),
    ],
)
def test_a_bad_proof_is_a_field_error(scene, tmp_path, settings, name, content, message):
    settings.MEDIA_ROOT = tmp_path
    voucher, engagement = _redeemed(scene)
    engagement.status = "completed"
    engagement.save(update_fields=["status"])
    with pytest.raises(ValidationError) as caught:
        claim_submit(voucher=voucher, partner=scene.partner, proof=_proof(name, content), by=None)
    assert message in caught.value.message_dict["proof"][0]
    assert not list(tmp_path.iterdir())


def test_claims_wait_for_completion_and_come_from_the_engagements_partner(scene, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    voucher, engagement = _redeemed(scene)
    with pytest.raises(ValidationError, match="completed"):
        claim_submit(voucher=voucher, partner=scene.partner, proof=_proof("a.png", PNG), by=None)
    engagement.status = "completed"
    engagement.save(update_fields=["status"])
    with pytest.raises(ValidationError):
        claim_submit(voucher=voucher, partner=scene.sme, proof=_proof("a.png", PNG), by=None)
    Membership.objects.filter(enterprise=scene.partner).update(status=MembershipStatus.SUSPENDED)
    with pytest.raises(ValidationError, match="good standing"):
        claim_submit(voucher=voucher, partner=scene.partner, proof=_proof("a.png", PNG), by=None)


# --- Expiry -----------------------------------------------------------------------------------------


def test_expiry_releases_reserved_and_committed_money_once(scene):
    today = timezone.localdate()
    old = today - timedelta(days=200)
    approved = voucher_approve(
        voucher=voucher_apply(programme=scene.programme(), sme=scene.sme, by=None), by=scene.admin, today=old
    )
    redeemed_programme = scene.programme()
    redeemed = voucher_approve(
        voucher=voucher_apply(programme=redeemed_programme, sme=scene.sme, by=None), by=scene.admin, today=old
    )
    voucher_redeem(
        voucher=redeemed, engagement=scene.engagement(), contract_price=Decimal("1000"), by=None, today=old
    )
    fresh = _approved(scene)

    assert vouchers_expire(today=today) == 2
    assert vouchers_expire(today=today) == 0
    for voucher in (approved, redeemed):
        voucher.refresh_from_db()
        assert voucher.status == VoucherStatus.EXPIRED
        report = programme_reconciliation(programme=voucher.programme)
        assert report.balanced and report.available == report.funded
    fresh.refresh_from_db()
    assert fresh.status == VoucherStatus.APPROVED
    assert Notification.objects.filter(user=scene.sme_user, kind="voucher.expired").count() == 2


def test_the_beat_task_expires(scene):
    from programmes.tasks import vouchers_expire_daily

    voucher_approve(
        voucher=voucher_apply(programme=scene.programme(), sme=scene.sme, by=None),
        by=scene.admin,
        today=timezone.localdate() - timedelta(days=365),
    )
    assert vouchers_expire_daily.delay().get() == 1
