"""Writes for vouchers: application, direct issue, approval, rejection, redemption and expiry.

Lock order (see programmes/services/ledger.py): the programme, then vouchers by primary key.
A write that moves money takes the programme lock first; one that only changes a voucher's
state takes the voucher lock alone, which keeps the same order.
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform.exceptions import Conflict, InvalidTransition
from cluster_platform.services import audit_record
from enterprises.models import Enterprise, MembershipRole
from enterprises.selectors.memberships import is_approved_member, is_partner_in_good_standing
from programmes.models import Bucket, Movement, Voucher, VoucherProgramme, VoucherStatus
from programmes.selectors.eligibility import eligibility_refusal, programme_eligibility_explain
from programmes.services.ledger import ledger_append, programme_lock
from programmes.services.notify import notify_deciders, notify_enterprise
from services.models import Engagement, EngagementStatus

MAX_REASON_LENGTH = 2000
CENT = Decimal("0.01")

# What each voucher state allows (the 409 names them).
VOUCHER_TRANSITIONS = {
    VoucherStatus.APPLIED: ["approve", "reject"],
    VoucherStatus.APPROVED: ["redeem", "expire"],
    VoucherStatus.REDEEMED: ["claim", "expire"],
    VoucherStatus.CLAIMED: ["pay", "reject_claim"],
}

# An engagement a voucher may pay for: agreed or under way, not yet delivered.
REDEEMABLE_ENGAGEMENT_STATES = (
    EngagementStatus.REQUESTED,
    EngagementStatus.ACCEPTED,
    EngagementStatus.IN_PROGRESS,
)


def voucher_require(voucher: Voucher, action: str) -> None:
    allowed = VOUCHER_TRANSITIONS.get(voucher.status, [])
    if action not in allowed:
        raise InvalidTransition(current=voucher.status, requested=action, allowed=allowed)


def clean_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError({"reason": [_("Give a reason; the applicant sees it.")]})
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError({"reason": [_("At most %(limit)d characters.") % {"limit": MAX_REASON_LENGTH}]})
    return reason


def voucher_lock(pk) -> Voucher:
    # of=("self",): without it PostgreSQL would also lock the joined programme and cluster rows
    # FOR UPDATE, and every insert referencing the cluster would queue behind this transaction.
    return Voucher.objects.select_for_update(of=("self",)).select_related("programme", "cluster").get(pk=pk)


def _snapshot(voucher: Voucher) -> dict:
    return {"status": voucher.status, "amount": str(voucher.amount), "sme": str(voucher.sme_id)}


def _tell_sme(voucher: Voucher, event: str, title: str, body: str = "") -> None:
    notify_enterprise(
        cluster=voucher.cluster,
        enterprise_id=voucher.sme_id,
        kind=f"voucher.{event}",
        title=title,
        body=body or voucher.programme.name,
        target=voucher,
        dedup_key=f"voucher:{voucher.pk}:{event}",
    )


@transaction.atomic
def voucher_apply(
    *, programme: VoucherProgramme, sme: Enterprise, by, note: str = "", today: date | None = None
) -> Voucher:
    """An SME applies within the window; it must qualify under the programme's rule (the error
    says which conditions it misses). The application reserves nothing until approved."""
    today = today or timezone.localdate()
    note = clean_reason(note, required=False)
    if not programme.applications_open <= today <= programme.applications_close:
        raise ValidationError(
            {
                "programme": [
                    _("Applications are open from %(open)s to %(close)s.")
                    % {"open": programme.applications_open, "close": programme.applications_close}
                ]
            }
        )
    explanation = programme_eligibility_explain(programme=programme, enterprise=sme, today=today)
    if not explanation["approved_sme_member"]:
        raise ValidationError({"sme": [_("Only an approved SME member of this cluster may apply.")]})
    if not explanation["eligible"]:
        raise ValidationError(
            {"sme": [_("Does not qualify: %(reasons)s") % {"reasons": eligibility_refusal(explanation)}]}
        )
    try:
        with transaction.atomic():
            voucher = Voucher.objects.create(
                cluster=programme.cluster,
                programme=programme,
                sme=sme,
                amount=programme.per_sme_cap,
                eligibility=explanation,
                application_note=note,
                applied_by=by,
            )
    except IntegrityError:
        raise Conflict(_("This SME already holds a voucher of this programme.")) from None
    notify_deciders(
        cluster=programme.cluster,
        kind="voucher.applied",
        title=_("New voucher application: %(sme)s") % {"sme": sme.name},
        body=programme.name,
        target=voucher,
        dedup_key=f"voucher:{voucher.pk}:applied",
    )
    return voucher


def _reserve(*, programme: VoucherProgramme, voucher: Voucher, by, today: date, reason: str) -> Voucher:
    """Approve a locked, applied voucher: reserve its amount (409 when the budget cannot)."""
    ledger_append(
        programme=programme,
        voucher=voucher,
        kind=Movement.RESERVE,
        from_bucket=Bucket.AVAILABLE,
        to_bucket=Bucket.RESERVED,
        amount=voucher.amount,
        actor=by,
    )
    voucher.status = VoucherStatus.APPROVED
    voucher.valid_until = today + timedelta(days=programme.voucher_validity_days)
    voucher.decided_by = by
    voucher.decided_at = timezone.now()
    voucher.decision_reason = reason
    voucher.save(
        update_fields=["status", "valid_until", "decided_by", "decided_at", "decision_reason", "updated_at"]
    )
    return voucher


@transaction.atomic
def voucher_approve(*, voucher: Voucher, by, reason: str = "", today: date | None = None) -> Voucher:
    today = today or timezone.localdate()
    reason = clean_reason(reason, required=False)
    programme = programme_lock(programme_id=voucher.programme_id)
    voucher = voucher_lock(voucher.pk)
    voucher_require(voucher, "approve")
    before = _snapshot(voucher)
    voucher = _reserve(programme=programme, voucher=voucher, by=by, today=today, reason=reason)
    audit_record(
        cluster=voucher.cluster,
        actor=by,
        action="voucher.approve",
        target=voucher,
        before=before,
        after=_snapshot(voucher),
    )
    _tell_sme(
        voucher,
        "approved",
        _("Your service voucher is approved"),
        _("%(programme)s: %(amount)s CNY, valid until %(until)s.")
        % {"programme": programme.name, "amount": voucher.amount, "until": voucher.valid_until},
    )
    return voucher


@transaction.atomic
def voucher_issue(
    *, programme: VoucherProgramme, sme: Enterprise, by, reason: str = "", today: date | None = None
) -> Voucher:
    """The agency issues a voucher directly (approved at once); the SME must be an approved member.

    The eligibility explanation is kept for the record but does not bind the agency."""
    today = today or timezone.localdate()
    reason = clean_reason(reason, required=False)
    if not is_approved_member(cluster=programme.cluster, enterprise_id=sme.pk, role=MembershipRole.SME):
        raise ValidationError({"sme": [_("Only an approved SME member of this cluster may hold a voucher.")]})
    programme = programme_lock(programme_id=programme.pk)
    explanation = programme_eligibility_explain(programme=programme, enterprise=sme, today=today)
    try:
        with transaction.atomic():
            voucher = Voucher.objects.create(
                cluster=programme.cluster,
                programme=programme,
                sme=sme,
                amount=programme.per_sme_cap,
                eligibility=explanation,
                applied_by=by,
            )
    except IntegrityError:
        raise Conflict(_("This SME already holds a voucher of this programme.")) from None
    voucher = _reserve(programme=programme, voucher=voucher, by=by, today=today, reason=reason)
    audit_record(
        cluster=programme.cluster, actor=by, action="voucher.issue", target=voucher, after=_snapshot(voucher)
    )
    _tell_sme(
        voucher,
        "issued",
        _("You have been issued a service voucher"),
        _("%(programme)s: %(amount)s CNY, valid until %(until)s.")
        % {"programme": programme.name, "amount": voucher.amount, "until": voucher.valid_until},
    )
    return voucher


@transaction.atomic
def voucher_reject(*, voucher: Voucher, by, reason: str) -> Voucher:
    reason = clean_reason(reason, required=True)
    voucher = voucher_lock(voucher.pk)
    voucher_require(voucher, "reject")
    before = _snapshot(voucher)
    voucher.status = VoucherStatus.REJECTED
    voucher.decided_by = by
    voucher.decided_at = timezone.now()
    voucher.decision_reason = reason
    voucher.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    audit_record(
        cluster=voucher.cluster,
        actor=by,
        action="voucher.reject",
        target=voucher,
        before=before,
        after=_snapshot(voucher),
    )
    _tell_sme(voucher, "rejected", _("Your voucher application was rejected"), reason)
    return voucher


def offering_in_categories(*, category_id: str, parent_id: str | None, codes: list[str]) -> bool:
    """An empty list admits every category; a listed parent admits its children."""
    return not codes or category_id in codes or (parent_id is not None and parent_id in codes)


def voucher_subsidy(*, amount: Decimal, share: Decimal, price: Decimal) -> Decimal:
    """What a voucher pays towards a price: the covered share, at most the voucher's amount."""
    return min(amount, (share * price).quantize(CENT, rounding=ROUND_HALF_UP))


@transaction.atomic
def voucher_redeem(
    *, voucher: Voucher, engagement: Engagement, contract_price: Decimal, by, today: date | None = None
) -> Voucher:
    """The SME applies its voucher to one of its engagements, at the agreed price.

    The subsidy (share x price, at most the amount) moves from reserved to committed; what the
    engagement does not need is released to the budget. A voucher is redeemed once: the state
    check under the voucher lock, and a unique ledger row per voucher and movement, refuse a second.
    """
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    offering = engagement.offering
    if engagement.cluster_id != voucher.cluster_id or engagement.sme_id != voucher.sme_id:
        errors["engagement"] = [_("Not one of this SME's engagements in this cluster.")]
    elif engagement.status not in REDEEMABLE_ENGAGEMENT_STATES:
        errors["engagement"] = [
            _("A voucher applies to an engagement before delivery (requested, accepted or in progress).")
        ]
    elif not offering.voucher_eligible:
        errors["engagement"] = [_("This offering does not accept service vouchers.")]
    elif not offering_in_categories(
        category_id=offering.category_id,
        parent_id=offering.category.parent_id,
        codes=voucher.programme.eligible_categories,
    ):
        errors["engagement"] = [_("This programme does not cover this service category.")]
    elif not is_partner_in_good_standing(cluster=voucher.cluster, enterprise_id=engagement.partner_id):
        errors["engagement"] = [_("The partner of this engagement is not in good standing in this cluster.")]
    if contract_price is None or contract_price <= 0:
        errors["contract_price"] = [_("The agreed price must be positive.")]
    if errors:
        raise ValidationError(errors)
    programme = programme_lock(programme_id=voucher.programme_id)
    voucher = voucher_lock(voucher.pk)
    voucher_require(voucher, "redeem")
    if voucher.valid_until is not None and voucher.valid_until < today:
        raise Conflict(_("This voucher expired on %(date)s.") % {"date": voucher.valid_until})
    subsidy = voucher_subsidy(amount=voucher.amount, share=programme.coverage_share, price=contract_price)
    voucher.status = VoucherStatus.REDEEMED
    voucher.engagement = engagement
    voucher.contract_price = contract_price
    voucher.subsidy = subsidy
    voucher.redeemed_at = timezone.now()
    try:
        with transaction.atomic():
            voucher.save(
                update_fields=[
                    "status",
                    "engagement",
                    "contract_price",
                    "subsidy",
                    "redeemed_at",
                    "updated_at",
                ]
            )
    except IntegrityError:
        raise Conflict(_("This engagement is already paid for by another voucher.")) from None
    ledger_append(
        programme=programme,
        voucher=voucher,
        kind=Movement.REDEEM,
        from_bucket=Bucket.RESERVED,
        to_bucket=Bucket.COMMITTED,
        amount=subsidy,
        actor=by,
        memo=f"engagement {engagement.pk}",
    )
    if voucher.amount > subsidy:
        ledger_append(
            programme=programme,
            voucher=voucher,
            kind=Movement.RELEASE,
            from_bucket=Bucket.RESERVED,
            to_bucket=Bucket.AVAILABLE,
            amount=voucher.amount - subsidy,
            actor=by,
            memo="unused part of the voucher",
        )
    notify_enterprise(
        cluster=voucher.cluster,
        enterprise_id=engagement.partner_id,
        kind="voucher.redeemed",
        title=_("A service voucher pays for part of an engagement"),
        body=_("%(offering)s: %(subsidy)s CNY, claim it with proof of delivery once completed.")
        % {"offering": offering.title, "subsidy": subsidy},
        target=voucher,
        dedup_key=f"voucher:{voucher.pk}:redeemed",
    )
    return voucher


def vouchers_expire(*, today: date | None = None) -> int:
    """Expire the approved and redeemed vouchers past their validity; release what they held.

    One transaction per programme (its lock, then its vouchers by primary key), so a re-run
    finds nothing left to do and one programme's failure does not hold back the others.
    Claimed vouchers wait for the agency's decision and do not expire.
    """
    today = today or timezone.localdate()
    due = Voucher.objects.filter(
        status__in=[VoucherStatus.APPROVED, VoucherStatus.REDEEMED], valid_until__lt=today
    )
    expired = 0
    for programme_id in sorted(set(due.values_list("programme_id", flat=True))):
        with transaction.atomic():
            programme = programme_lock(programme_id=programme_id)
            vouchers = (
                Voucher.objects.select_for_update(of=("self",))
                .filter(
                    programme=programme,
                    status__in=[VoucherStatus.APPROVED, VoucherStatus.REDEEMED],
                    valid_until__lt=today,
                )
                .select_related("cluster", "programme")
                .order_by("pk")
            )
            for voucher in vouchers:
                held, bucket = (
                    (voucher.amount, Bucket.RESERVED)
                    if voucher.status == VoucherStatus.APPROVED
                    else (voucher.subsidy, Bucket.COMMITTED)
                )
                ledger_append(
                    programme=programme,
                    voucher=voucher,
                    kind=Movement.EXPIRE,
                    from_bucket=bucket,
                    to_bucket=Bucket.AVAILABLE,
                    amount=held,
                    memo=f"expired after {voucher.valid_until}",
                )
                voucher.status = VoucherStatus.EXPIRED
                voucher.save(update_fields=["status", "updated_at"])
                _tell_sme(voucher, "expired", _("Your service voucher has expired"))
                expired += 1
    return expired
