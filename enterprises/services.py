"""Writes for the enterprise registry, enterprise users and cluster memberships.

Every function validates before it writes and runs in one transaction, so bad input changes
nothing. Agency decisions are audit-logged inside the transaction that makes them.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from cluster_platform.exceptions import Conflict, InvalidTransition
from cluster_platform.models import Cluster
from cluster_platform.services import audit_record
from cluster_platform.transitions import transition_target
from enterprises.models import (
    Enterprise,
    EnterpriseRole,
    EnterpriseUser,
    Membership,
    MembershipRole,
    MembershipStatus,
    PartnerTier,
)
from enterprises.notifications import enterprise_users_notify
from enterprises.signals import enterprise_facts_changed
from enterprises.size import classify_size

# Profile fields an enterprise's own users may set; uscc only at registration, the rest is derived
# (size_class) or owned by other processes (verification, digital maturity assessments).
PROFILE_FIELDS = (
    "name",
    "region_code",
    "industry_code",
    "employees",
    "operating_revenue",
    "rd_spend",
    "total_assets",
    "founded_on",
    "qualifications",
    "description",
    "contact_name",
    "contact_phone",
    "contact_email",
    "website",
)


def uscc_normalise(value: str) -> str:
    """The compact, upper-case form of a 统一社会信用代码, or a ValidationError saying what is wrong.

    stdnum does the checking (length, character set, the organisation code's and the USCC's
    check digits); this only turns its exceptions into messages a user can act on.
    """
    try:
        return stdnum_uscc.validate(value or "")
    except InvalidLength:
        message, code = _("A unified social credit code has 18 characters."), "invalid_length"
    except InvalidChecksum:
        message, code = (
            _("The check digit does not match: please check the code for typing errors."),
            "invalid_checksum",
        )
    except (InvalidFormat, InvalidComponent):
        message, code = _("This is not a valid unified social credit code."), "invalid_format"
    raise ValidationError(message, code=code)


def _recompute_size(enterprise: Enterprise) -> None:
    enterprise.size_class = (
        classify_size(
            industry_code=enterprise.industry_code,
            employees=enterprise.employees,
            operating_revenue=enterprise.operating_revenue,
            total_assets=enterprise.total_assets,
        )
        or ""
    )


def _apply_profile(enterprise: Enterprise, data: dict[str, Any]) -> None:
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be changed.")] for field in sorted(unknown)})
    for field, value in data.items():
        setattr(enterprise, field, value)
    _recompute_size(enterprise)
    # uscc is checked by uscc_normalise, uniqueness by the database (409, not 400).
    enterprise.full_clean(exclude=["uscc"], validate_unique=False)


def _duplicate_uscc() -> dict:
    return {"uscc": [_("An enterprise with this unified social credit code is already registered.")]}


@transaction.atomic
def enterprise_register(*, uscc: str, data: dict[str, Any], by) -> Enterprise:
    """Register a legal entity once for the whole platform; the registering user becomes its owner."""
    try:
        code = uscc_normalise(uscc)
    except ValidationError as error:
        raise ValidationError({"uscc": error}) from None
    enterprise = Enterprise(uscc=code)
    _apply_profile(enterprise, data)
    if Enterprise.objects.filter(uscc=code).exists():
        raise Conflict(_duplicate_uscc())
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError:  # registered concurrently between the check and the insert
        raise Conflict(_duplicate_uscc()) from None
    EnterpriseUser.objects.create(enterprise=enterprise, user=by, role=EnterpriseRole.OWNER)
    return enterprise


@transaction.atomic
def enterprise_update(*, enterprise: Enterprise, data: dict[str, Any], by) -> Enterprise:
    """Change the profile; the size class follows the new facts."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    _apply_profile(enterprise, data)
    enterprise.save()
    enterprise_facts_changed.send(sender=Enterprise, enterprise=enterprise)
    return enterprise


@transaction.atomic
def enterprise_user_invite(
    *, enterprise: Enterprise, email: str, role: str = EnterpriseRole.MEMBER, by
) -> EnterpriseUser:
    """Link a registered user to the enterprise. Users sign up themselves; the owner only adds them."""
    user = get_user_model().objects.filter(email__iexact=(email or "").strip()).first()
    if user is None:
        raise ValidationError({"email": [_("No registered user has this email address.")]})
    if role not in EnterpriseRole.values:
        raise ValidationError({"role": [_("Unknown role.")]})
    if EnterpriseUser.objects.filter(enterprise=enterprise, user=user).exists():
        raise Conflict({"email": [_("This user already acts for the enterprise.")]})
    return EnterpriseUser.objects.create(enterprise=enterprise, user=user, role=role)


@transaction.atomic
def enterprise_user_remove(*, link: EnterpriseUser, by) -> None:
    """Unlink a user. An enterprise always keeps an owner, so the last one cannot go."""
    # Lock the enterprise's owner links so that two concurrent removals cannot both pass the check.
    owners = list(
        EnterpriseUser.objects.select_for_update()
        .filter(enterprise_id=link.enterprise_id, role=EnterpriseRole.OWNER)
        .order_by("pk")
    )
    if link.role == EnterpriseRole.OWNER and len(owners) <= 1:
        raise Conflict(_("The last owner of an enterprise cannot be removed."))
    link.delete()


# --- Cluster memberships ------------------------------------------------------------------

# action -> (states it may start from, state it leads to)
MEMBERSHIP_TRANSITIONS = {
    "approve": ({MembershipStatus.PENDING, MembershipStatus.SUSPENDED}, MembershipStatus.APPROVED),
    "reject": ({MembershipStatus.PENDING}, MembershipStatus.REJECTED),
    "suspend": ({MembershipStatus.APPROVED}, MembershipStatus.SUSPENDED),
}


def _membership_snapshot(membership: Membership) -> dict[str, str]:
    return {
        "status": membership.status,
        "partner_tier": membership.partner_tier,
        "decision_reason": membership.decision_reason,
    }


@transaction.atomic
def membership_apply(
    *, cluster: Cluster, enterprise: Enterprise, role: str, application_note: str = "", by
) -> Membership:
    """An enterprise asks to join the cluster in one role. A rejected application may be made again."""
    if not EnterpriseUser.objects.filter(enterprise=enterprise, user=by).exists():
        raise ValidationError({"enterprise": [_("You do not act for this enterprise.")]})
    if role not in MembershipRole.values:
        raise ValidationError({"role": [_("Unknown role.")]})
    existing = (
        Membership.objects.select_for_update()
        .filter(cluster=cluster, enterprise=enterprise, role=role)
        .first()
    )
    if existing is not None:
        if existing.status != MembershipStatus.REJECTED:
            raise Conflict({"role": [_("This enterprise already has a membership in this role.")]})
        existing.status = MembershipStatus.PENDING
        existing.application_note = application_note
        existing.applied_by = by
        existing.decision_reason = ""
        existing.decided_by = None
        existing.decided_at = None
        existing.save()
        return existing
    try:
        with transaction.atomic():
            return Membership.objects.create(
                cluster=cluster,
                enterprise=enterprise,
                role=role,
                application_note=application_note,
                applied_by=by,
            )
    except IntegrityError:  # a concurrent application in the same role
        raise Conflict({"role": [_("This enterprise already has a membership in this role.")]}) from None


def _membership_transition(
    *, membership: Membership, action: str, by, reason: str = "", audit_action: str
) -> Membership:
    membership = Membership.objects.select_for_update().select_related("cluster").get(pk=membership.pk)
    target = transition_target(MEMBERSHIP_TRANSITIONS, current=membership.status, action=action)
    before = _membership_snapshot(membership)
    membership.status = target
    membership.decision_reason = reason
    membership.decided_by = by
    membership.decided_at = timezone.now()
    if target == MembershipStatus.APPROVED and membership.role == MembershipRole.PARTNER:
        membership.partner_tier = membership.partner_tier or PartnerTier.REGISTERED
    membership.save()
    audit_record(
        cluster=membership.cluster,
        actor=by,
        action=audit_action,
        target=membership,
        before=before,
        after=_membership_snapshot(membership),
    )
    _membership_decision_notify(membership=membership, status=target, reason=reason)
    # Membership is an eligibility fact (and brings the cluster's local policies into scope).
    enterprise_facts_changed.send(sender=Membership, enterprise=membership.enterprise)
    return membership


def _membership_decision_notify(*, membership: Membership, status: str, reason: str) -> None:
    """Tell the enterprise's people the agency's decision on its membership (and why, if refused)."""
    titles = {
        MembershipStatus.APPROVED: _("%(cluster)s admitted %(enterprise)s as a member"),
        MembershipStatus.REJECTED: _("%(cluster)s did not admit %(enterprise)s"),
        MembershipStatus.SUSPENDED: _("%(cluster)s suspended the membership of %(enterprise)s"),
    }
    if status not in titles:
        return
    names = {"cluster": membership.cluster.name, "enterprise": membership.enterprise.name}
    enterprise_users_notify(
        enterprise_id=membership.enterprise_id,
        cluster=membership.cluster,
        kind=f"membership.{status}",
        title=str(titles[status] % names),
        body=reason,
        target=membership,
        dedup_key=f"membership-decision:{membership.pk}:{status}:{membership.decided_at.isoformat()}",
    )


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason: the applicant will read it.")]})
    return reason


@transaction.atomic
def membership_approve(*, membership: Membership, by) -> Membership:
    """Admit a pending applicant, or re-admit a suspended member."""
    audit_action = (
        "membership.reinstated" if membership.status == MembershipStatus.SUSPENDED else "membership.approved"
    )
    return _membership_transition(membership=membership, action="approve", by=by, audit_action=audit_action)


@transaction.atomic
def membership_reject(*, membership: Membership, reason: str, by) -> Membership:
    reason = _required_reason(reason)
    return _membership_transition(
        membership=membership, action="reject", by=by, reason=reason, audit_action="membership.rejected"
    )


@transaction.atomic
def membership_suspend(*, membership: Membership, reason: str, by) -> Membership:
    reason = _required_reason(reason)
    return _membership_transition(
        membership=membership, action="suspend", by=by, reason=reason, audit_action="membership.suspended"
    )


@transaction.atomic
def membership_set_tier(*, membership: Membership, tier: str, by) -> Membership:
    """Set a partner's tier; SMEs have none."""
    membership = Membership.objects.select_for_update().select_related("cluster").get(pk=membership.pk)
    if membership.role != MembershipRole.PARTNER:
        raise ValidationError({"partner_tier": [_("Only partners have a tier.")]})
    if tier not in PartnerTier.values:
        raise ValidationError({"partner_tier": [_("Unknown tier.")]})
    if membership.status == MembershipStatus.REJECTED:
        raise InvalidTransition(current=membership.status, requested="set_tier", allowed=[])
    before = _membership_snapshot(membership)
    membership.partner_tier = tier
    membership.save(update_fields=["partner_tier", "updated_at"])
    audit_record(
        cluster=membership.cluster,
        actor=by,
        action="membership.tier_changed",
        target=membership,
        before=before,
        after=_membership_snapshot(membership),
    )
    return membership


def _verification_snapshot(enterprise: Enterprise) -> dict[str, Any]:
    return {
        "verified_at": enterprise.verified_at.isoformat() if enterprise.verified_at else None,
        "verified_by": str(enterprise.verified_by_id) if enterprise.verified_by_id else None,
    }


@transaction.atomic
def enterprise_verify(*, cluster: Cluster, enterprise: Enterprise, by) -> Enterprise:
    """Agency staff confirm the enterprise's registration facts (idempotent: re-verifying keeps the first)."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if enterprise.verified_at is not None:
        return enterprise
    before = _verification_snapshot(enterprise)
    enterprise.verified_at = timezone.now()
    enterprise.verified_by = by
    enterprise.save(update_fields=["verified_at", "verified_by", "updated_at"])
    audit_record(
        cluster=cluster,
        actor=by,
        action="enterprise.verified",
        target=enterprise,
        before=before,
        after=_verification_snapshot(enterprise),
    )
    return enterprise


@transaction.atomic
def enterprise_unverify(*, cluster: Cluster, enterprise: Enterprise, by) -> Enterprise:
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if enterprise.verified_at is None:
        return enterprise
    before = _verification_snapshot(enterprise)
    enterprise.verified_at = None
    enterprise.verified_by = None
    enterprise.save(update_fields=["verified_at", "verified_by", "updated_at"])
    audit_record(
        cluster=cluster,
        actor=by,
        action="enterprise.unverified",
        target=enterprise,
        before=before,
        after=_verification_snapshot(enterprise),
    )
    return enterprise
