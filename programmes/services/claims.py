"""Writes for voucher claims: a partner's claim with proof, the agency's payout or rejection.

Lock order (see programmes/services/ledger.py): programme, voucher, claim.
"""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform.exceptions import Conflict, InvalidTransition
from cluster_platform.services import audit_record
from enterprises.models import Enterprise
from enterprises.selectors.memberships import is_partner_in_good_standing
from programmes.models import Bucket, ClaimStatus, Movement, Voucher, VoucherClaim, VoucherStatus
from programmes.services.ledger import ledger_append, programme_lock
from programmes.services.notify import notify_deciders, notify_enterprise
from programmes.services.vouchers import clean_reason, voucher_lock, voucher_require
from services.models import EngagementStatus

MAX_PROOF_BYTES = 10 * 1024 * 1024
# Accepted proofs: the first bytes decide the type; the file name's extension must agree.
PROOF_SIGNATURES = {
    "application/pdf": (b"%PDF-", ("pdf",)),
    "image/png": (b"\x89PNG\r\n\x1a\n", ("png",)),
    "image/jpeg": (b"\xff\xd8\xff", ("jpg", "jpeg")),
}


def proof_content_type(proof: UploadedFile) -> str:
    """The proof's type from its content (PDF, PNG or JPEG), or a field-level error."""
    if proof is None:
        raise ValidationError({"proof": [_("Attach the proof of delivery (PDF, PNG or JPEG).")]})
    if proof.size == 0:
        raise ValidationError({"proof": [_("The file is empty.")]})
    if proof.size > MAX_PROOF_BYTES:
        raise ValidationError(
            {"proof": [_("At most %(megabytes)d MB.") % {"megabytes": MAX_PROOF_BYTES // (1024 * 1024)}]}
        )
    proof.seek(0)
    head = proof.read(16)
    proof.seek(0)
    extension = proof.name.rsplit(".", 1)[-1].lower() if "." in (proof.name or "") else ""
    for content_type, (signature, extensions) in PROOF_SIGNATURES.items():
        if head.startswith(signature):
            if extension not in extensions:
                raise ValidationError(
                    {
                        "proof": [
                            _("The file's name does not match its content (%(type)s).")
                            % {"type": content_type}
                        ]
                    }
                )
            return content_type
    raise ValidationError({"proof": [_("Only PDF, PNG or JPEG files are accepted.")]})


def _lock_claim(pk) -> VoucherClaim:
    return VoucherClaim.objects.select_for_update().get(pk=pk)


@transaction.atomic
def claim_submit(
    *, voucher: Voucher, partner: Enterprise, proof: UploadedFile, by, note: str = ""
) -> VoucherClaim:
    """The partner of a completed, voucher-paid engagement claims the subsidy with proof."""
    content_type = proof_content_type(proof)
    note = clean_reason(note, required=False)
    engagement = voucher.engagement
    if engagement is None or engagement.partner_id != partner.pk:
        raise ValidationError({"voucher": [_("This voucher does not pay for one of your engagements.")]})
    if not is_partner_in_good_standing(cluster=voucher.cluster, enterprise_id=partner.pk):
        raise ValidationError({"voucher": [_("Only a partner in good standing in this cluster may claim.")]})
    if engagement.status != EngagementStatus.COMPLETED:
        raise ValidationError({"voucher": [_("Claim once the engagement is completed.")]})
    voucher = voucher_lock(voucher.pk)
    voucher_require(voucher, "claim")
    if voucher.valid_until is not None and voucher.valid_until < timezone.localdate():
        raise Conflict(_("This voucher expired on %(date)s.") % {"date": voucher.valid_until})
    try:
        with transaction.atomic():
            claim = VoucherClaim.objects.create(
                cluster=voucher.cluster,
                voucher=voucher,
                partner=partner,
                amount=voucher.subsidy,
                proof=proof,
                proof_name=(proof.name or "")[:200],
                proof_content_type=content_type,
                proof_size=proof.size,
                note=note,
                submitted_by=by,
            )
    except IntegrityError:
        raise Conflict(_("This voucher already has a claim.")) from None
    voucher.status = VoucherStatus.CLAIMED
    voucher.save(update_fields=["status", "updated_at"])
    notify_deciders(
        cluster=voucher.cluster,
        kind="voucher.claimed",
        title=_("Voucher claim to decide: %(partner)s") % {"partner": partner.name},
        body=_("%(amount)s CNY for %(programme)s")
        % {"amount": claim.amount, "programme": voucher.programme.name},
        target=claim,
        dedup_key=f"voucher-claim:{claim.pk}:submitted",
    )
    return claim


def _decide(*, claim: VoucherClaim, by, approve: bool, reason: str) -> VoucherClaim:
    programme = programme_lock(programme_id=claim.voucher.programme_id)
    voucher = voucher_lock(claim.voucher_id)
    claim = _lock_claim(claim.pk)
    if claim.status != ClaimStatus.SUBMITTED:
        raise InvalidTransition(
            current=claim.status, requested="approve" if approve else "reject", allowed=[]
        )
    voucher_require(voucher, "pay" if approve else "reject_claim")
    ledger_append(
        programme=programme,
        voucher=voucher,
        kind=Movement.PAY if approve else Movement.REJECT,
        from_bucket=Bucket.COMMITTED,
        to_bucket=Bucket.PAID if approve else Bucket.AVAILABLE,
        amount=voucher.subsidy,
        actor=by,
        memo=f"claim {claim.pk}",
    )
    before = {"status": claim.status}
    claim.status = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
    claim.decided_by = by
    claim.decided_at = timezone.now()
    claim.decision_reason = reason
    claim.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    voucher.status = VoucherStatus.PAID if approve else VoucherStatus.CLAIM_REJECTED
    voucher.save(update_fields=["status", "updated_at"])
    event = "paid" if approve else "rejected"
    audit_record(
        cluster=claim.cluster,
        actor=by,
        action=f"voucher_claim.{'approve' if approve else 'reject'}",
        target=claim,
        before=before,
        after={"status": claim.status, "amount": str(claim.amount), "reason": reason},
    )
    title = _("Your voucher claim is paid") if approve else _("Your voucher claim was rejected")
    for enterprise_id in (claim.partner_id, voucher.sme_id):
        notify_enterprise(
            cluster=claim.cluster,
            enterprise_id=enterprise_id,
            kind=f"voucher_claim.{event}",
            title=title
            if enterprise_id == claim.partner_id
            else _("A voucher claim on your engagement was decided"),
            body=reason or _("%(amount)s CNY") % {"amount": claim.amount},
            target=claim,
            dedup_key=f"voucher-claim:{claim.pk}:{event}",
        )
    return claim


@transaction.atomic
def claim_approve(*, claim: VoucherClaim, by, reason: str = "") -> VoucherClaim:
    """Pay the claim: the subsidy moves from committed to paid."""
    return _decide(claim=claim, by=by, approve=True, reason=clean_reason(reason, required=False))


@transaction.atomic
def claim_reject(*, claim: VoucherClaim, by, reason: str) -> VoucherClaim:
    """Refuse the claim, for good: the subsidy goes back to the programme's available budget."""
    return _decide(claim=claim, by=by, approve=False, reason=clean_reason(reason, required=True))
