"""Service-voucher programmes (数字化转型服务券): programmes, vouchers, claims and the ledger.

Money moves only through `LedgerEntry` rows, which the database refuses to update or delete
(a trigger, migration 0002). Every balance is a sum over the ledger; see docs/programmes.md.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cluster_platform.models import Cluster, TimestampedModel
from enterprises.models import Enterprise
from policies.models import Policy
from services.models import Engagement

MONEY = {"max_digits": 14, "decimal_places": 2}


class VoucherProgramme(TimestampedModel):
    """One voucher programme of a cluster's agency: its budget, per-SME cap, coverage and eligibility."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="voucher_programmes")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # The library or local policy that funds the programme, if any.
    policy = models.ForeignKey(
        Policy, null=True, blank=True, on_delete=models.SET_NULL, related_name="voucher_programmes"
    )
    budget = models.DecimalField(_("total budget (CNY)"), **MONEY, validators=[MinValueValidator(0)])
    per_sme_cap = models.DecimalField(_("cap per SME (CNY)"), **MONEY, validators=[MinValueValidator(0)])
    # Share of the contract price a voucher pays, at most its amount (0.300 = 30 %).
    coverage_share = models.DecimalField(
        _("share of the price covered"),
        max_digits=4,
        decimal_places=3,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    # Service category codes (a parent covers its children); empty = every category.
    eligible_categories = ArrayField(
        models.CharField(max_length=64), default=list, blank=True, verbose_name=_("eligible categories")
    )
    # Who may apply, in the policy rule language (docs/eligibility.md); {} = every approved SME.
    eligibility_rule = models.JSONField(_("eligibility rule"), default=dict, blank=True)
    applications_open = models.DateField(_("applications open"))
    applications_close = models.DateField(_("applications close"))
    voucher_validity_days = models.PositiveIntegerField(_("voucher validity (days)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("voucher programme")
        verbose_name_plural = _("voucher programmes")
        ordering = ["-applications_open", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "name"], name="uniq_programme_name_per_cluster"),
            models.CheckConstraint(condition=Q(budget__gt=0), name="programme_budget_positive"),
            models.CheckConstraint(
                condition=Q(per_sme_cap__gt=0) & Q(per_sme_cap__lte=F("budget")),
                name="programme_cap_in_budget",
            ),
            models.CheckConstraint(
                condition=Q(coverage_share__gt=0) & Q(coverage_share__lte=1), name="programme_share_range"
            ),
            models.CheckConstraint(
                condition=Q(applications_open__lte=F("applications_close")), name="programme_window_ordered"
            ),
            models.CheckConstraint(
                condition=Q(voucher_validity_days__gt=0), name="programme_validity_positive"
            ),
        ]

    def __str__(self):
        return self.name


class VoucherStatus(models.TextChoices):
    APPLIED = "applied", _("applied")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    REDEEMED = "redeemed", _("redeemed")
    CLAIMED = "claimed", _("claimed")
    PAID = "paid", _("paid")
    CLAIM_REJECTED = "claim_rejected", _("claim rejected")
    EXPIRED = "expired", _("expired")


# A voucher in these states holds money of its programme (reserved or committed).
VOUCHER_HOLDING_STATES = (VoucherStatus.APPROVED, VoucherStatus.REDEEMED, VoucherStatus.CLAIMED)


class Voucher(TimestampedModel):
    """One SME's voucher in a programme, from application to payout or expiry."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="vouchers")
    programme = models.ForeignKey(VoucherProgramme, on_delete=models.PROTECT, related_name="vouchers")
    sme = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="vouchers")
    # Face value: what approval reserves from the budget (the programme's cap per SME).
    amount = models.DecimalField(_("amount (CNY)"), **MONEY)
    status = models.CharField(
        _("status"), max_length=16, choices=VoucherStatus.choices, default=VoucherStatus.APPLIED
    )
    # The eligibility explanation at application time (what the agency saw when deciding).
    eligibility = models.JSONField(_("eligibility at application"), default=dict, blank=True)
    application_note = models.TextField(_("application note"), blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    engagement = models.ForeignKey(
        Engagement, null=True, blank=True, on_delete=models.PROTECT, related_name="vouchers"
    )
    contract_price = models.DecimalField(_("contract price (CNY)"), **MONEY, null=True, blank=True)
    # What the voucher pays towards the engagement: min(amount, share x price).
    subsidy = models.DecimalField(_("subsidy (CNY)"), **MONEY, null=True, blank=True)
    redeemed_at = models.DateTimeField(_("redeemed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service voucher")
        verbose_name_plural = _("service vouchers")
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["cluster", "status"], name="voucher_cluster_status"),
            models.Index(fields=["status", "valid_until"], name="voucher_status_validity"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="voucher_amount_positive"),
            # One live voucher per SME and programme (a rejected application may be followed by another).
            models.UniqueConstraint(
                fields=["cluster", "programme", "sme"],
                condition=~Q(status="rejected"),
                name="uniq_voucher_per_sme_programme",
            ),
            # An engagement is paid for by at most one voucher.
            models.UniqueConstraint(
                fields=["cluster", "engagement"],
                condition=Q(engagement__isnull=False),
                name="uniq_voucher_per_engagement",
            ),
            models.CheckConstraint(
                condition=Q(subsidy__isnull=True) | (Q(subsidy__gt=0) & Q(subsidy__lte=F("amount"))),
                name="voucher_subsidy_within_amount",
            ),
        ]

    def __str__(self):
        return f"{self.programme} / {self.sme} ({self.status})"


class Bucket(models.TextChoices):
    EXTERNAL = "external", _("outside the programme")
    AVAILABLE = "available", _("available")
    RESERVED = "reserved", _("reserved")
    COMMITTED = "committed", _("committed")
    PAID = "paid", _("paid")


class Movement(models.TextChoices):
    FUND = "fund", _("fund")
    RESERVE = "reserve", _("reserve")
    RELEASE = "release", _("release")
    REDEEM = "redeem", _("redeem")
    PAY = "pay", _("pay")
    REJECT = "reject", _("reject")
    EXPIRE = "expire", _("expire")


# The only (movement, from, to) triples a ledger row may hold; a check constraint repeats them.
MOVEMENT_BUCKETS = {
    (Movement.FUND, Bucket.EXTERNAL, Bucket.AVAILABLE),
    (Movement.RESERVE, Bucket.AVAILABLE, Bucket.RESERVED),
    (Movement.RELEASE, Bucket.RESERVED, Bucket.AVAILABLE),
    (Movement.REDEEM, Bucket.RESERVED, Bucket.COMMITTED),
    (Movement.PAY, Bucket.COMMITTED, Bucket.PAID),
    (Movement.REJECT, Bucket.COMMITTED, Bucket.AVAILABLE),
    (Movement.EXPIRE, Bucket.RESERVED, Bucket.AVAILABLE),
    (Movement.EXPIRE, Bucket.COMMITTED, Bucket.AVAILABLE),
}


def _movement_condition() -> Q:
    triples = sorted(MOVEMENT_BUCKETS)
    condition = Q(kind=triples[0][0], from_bucket=triples[0][1], to_bucket=triples[0][2])
    for kind, source, target in triples[1:]:
        condition |= Q(kind=kind, from_bucket=source, to_bucket=target)
    return condition


class LedgerEntry(models.Model):
    """One immutable movement of a programme's money between buckets; the database refuses changes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cluster = models.ForeignKey(Cluster, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(VoucherProgramme, on_delete=models.PROTECT, related_name="ledger")
    voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger"
    )
    # 1, 2, 3, ... per programme: two writers that skipped the programme lock would collide here.
    seq = models.PositiveBigIntegerField(_("sequence"))
    kind = models.CharField(_("movement"), max_length=8, choices=Movement.choices)
    from_bucket = models.CharField(_("from"), max_length=10, choices=Bucket.choices)
    to_bucket = models.CharField(_("to"), max_length=10, choices=Bucket.choices)
    amount = models.DecimalField(_("amount (CNY)"), **MONEY)
    # The programme's available balance after this row: never negative, so never overspent.
    available_after = models.DecimalField(_("available after"), **MONEY)
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["programme", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "programme", "seq"], name="uniq_ledger_seq"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_amount_positive"),
            models.CheckConstraint(condition=Q(available_after__gte=0), name="ledger_never_overspent"),
            models.CheckConstraint(condition=_movement_condition(), name="ledger_movement_buckets"),
            models.CheckConstraint(
                condition=Q(kind="fund", voucher__isnull=True) | (~Q(kind="fund") & Q(voucher__isnull=False)),
                name="ledger_voucher_unless_fund",
            ),
            # A voucher is reserved, redeemed and paid at most once each: never spent twice.
            *[
                models.UniqueConstraint(
                    fields=["cluster", "voucher"],
                    condition=Q(kind=kind),
                    name=f"uniq_ledger_{kind}_per_voucher",
                )
                for kind in ("reserve", "redeem", "pay")
            ],
        ]

    def __str__(self):
        return f"#{self.seq} {self.kind} {self.amount}"


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved (paid)")
    REJECTED = "rejected", _("rejected")


def claim_proof_path(claim: "VoucherClaim", filename: str) -> str:
    """Stored under the cluster and a fresh name: the uploader's file name is kept as metadata only."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"voucher-claims/{claim.cluster_id}/{uuid.uuid4().hex}.{suffix}"


class VoucherClaim(TimestampedModel):
    """A partner's request to be paid a redeemed voucher's subsidy, with the proof of delivery."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="voucher_claims")
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="claims")
    partner = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="voucher_claims")
    amount = models.DecimalField(_("amount (CNY)"), **MONEY)
    proof = models.FileField(_("proof of delivery"), upload_to=claim_proof_path, max_length=200)
    proof_name = models.CharField(_("proof file name"), max_length=200)
    proof_content_type = models.CharField(_("proof content type"), max_length=64)
    proof_size = models.PositiveIntegerField(_("proof size (bytes)"))
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("voucher claim")
        verbose_name_plural = _("voucher claims")
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["cluster", "status"], name="claim_cluster_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "voucher"],
                condition=Q(status__in=["submitted", "approved"]),
                name="uniq_live_claim_per_voucher",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="claim_amount_positive"),
        ]

    def __str__(self):
        return f"{self.voucher} claim ({self.status})"


# --- Partner programme: tiers and their review ------------------------------------------------------


class PartnerTierCriteria(TimestampedModel):
    """A cluster's criteria for the partner tiers above `registered`, and its yearly-review threshold."""

    cluster = models.OneToOneField(Cluster, on_delete=models.CASCADE, related_name="partner_tier_criteria")
    certified_min_completed = models.PositiveIntegerField(_("certified: completed engagements"), default=3)
    certified_min_rating = models.DecimalField(
        _("certified: Bayesian rating"), max_digits=3, decimal_places=2, default=Decimal("3.50")
    )
    certified_min_certifications = models.PositiveSmallIntegerField(_("certified: certifications"), default=0)
    certified_min_years = models.PositiveSmallIntegerField(_("certified: years accredited"), default=0)
    strategic_min_completed = models.PositiveIntegerField(_("strategic: completed engagements"), default=10)
    strategic_min_rating = models.DecimalField(
        _("strategic: Bayesian rating"), max_digits=3, decimal_places=2, default=Decimal("4.20")
    )
    strategic_min_certifications = models.PositiveSmallIntegerField(_("strategic: certifications"), default=1)
    strategic_min_years = models.PositiveSmallIntegerField(_("strategic: years accredited"), default=2)
    # The yearly review lists partners rated below this, or whose accreditation ends within the window.
    review_min_rating = models.DecimalField(
        _("review: rating threshold"), max_digits=3, decimal_places=2, default=Decimal("3.00")
    )
    expiry_warning_days = models.PositiveSmallIntegerField(_("review: expiry warning (days)"), default=60)

    class Meta:
        verbose_name = _("partner tier criteria")
        verbose_name_plural = _("partner tier criteria")
        ordering = ["cluster", "id"]
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 0}) & Q(**{f"{name}__lte": 5}), name=f"criteria_{name}_0_5"
                )
                for name in ("certified_min_rating", "strategic_min_rating", "review_min_rating")
            ],
        ]

    def __str__(self):
        return f"{self.cluster} tier criteria"


class TierProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    SUPERSEDED = "superseded", _("superseded")


class TierProposal(TimestampedModel):
    """A proposed promotion or demotion of one partner, with the criterion that decides it."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="tier_proposals")
    membership = models.ForeignKey(
        "enterprises.Membership", on_delete=models.CASCADE, related_name="tier_proposals"
    )
    partner = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="tier_proposals")
    current_tier = models.CharField(_("current tier"), max_length=12)
    proposed_tier = models.CharField(_("proposed tier"), max_length=12)
    criterion = models.CharField(_("deciding criterion"), max_length=32)
    # The partner's measured values and the thresholds they were held against.
    metrics = models.JSONField(_("metrics"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=TierProposalStatus.choices, default=TierProposalStatus.PROPOSED
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("tier proposal")
        verbose_name_plural = _("tier proposals")
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "membership"],
                condition=Q(status="proposed"),
                name="uniq_open_tier_proposal",
            ),
        ]

    def __str__(self):
        return f"{self.partner}: {self.current_tier} -> {self.proposed_tier}"
