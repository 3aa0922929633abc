"""Writes for the enterprise registry: registration, profile, the enterprise's users and the
agency's verification.

Every function validates before it writes and runs in one transaction, so bad input changes
nothing. Agency decisions are audit-logged inside the transaction that makes them.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from cluster_platform.exceptions import Conflict
from cluster_platform.models import Cluster
from cluster_platform.services import audit_record, notification_send
from enterprises.models import (
    Enterprise,
    EnterpriseInvitation,
    EnterpriseRole,
    EnterpriseUser,
    InvitationStatus,
)
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


# The facts an agency checks when it verifies (those of the business licence behind the USCC, and
# those the size class rests on). Changing any of them voids the check.
VERIFIED_FACTS = (
    "name",
    "region_code",
    "industry_code",
    "founded_on",
    "employees",
    "operating_revenue",
    "total_assets",
    "size_class",
)


@transaction.atomic
def enterprise_update(*, enterprise: Enterprise, data: dict[str, Any], by) -> Enterprise:
    """Change the profile; the size class follows the new facts. A change to a verified fact clears
    the verification (the agency checked the old facts), recorded in the verifying cluster's audit log."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    facts_before = {field: getattr(enterprise, field) for field in VERIFIED_FACTS}
    _apply_profile(enterprise, data)
    changed = [field for field in VERIFIED_FACTS if getattr(enterprise, field) != facts_before[field]]
    if changed and enterprise.verified_at is not None:
        _verification_clear(
            enterprise,
            by=by,
            action="enterprise.verification_cleared",
            changed_facts={
                field: [_fact_json(facts_before[field]), _fact_json(getattr(enterprise, field))]
                for field in changed
            },
        )
    enterprise.save()
    enterprise_facts_changed.send(sender=Enterprise, enterprise=enterprise)
    return enterprise


@transaction.atomic
def enterprise_user_invite(
    *, enterprise: Enterprise, email: str, role: str = EnterpriseRole.MEMBER, by
) -> EnterpriseInvitation:
    """Invite an email address to act for the enterprise. Nobody is linked without consent: the user
    of that email accepts (or declines) the invitation. The answer is the same whether or not the
    address has an account, so the owner learns neither that nor anyone's name. Inviting an address
    that already has a pending invitation returns that invitation."""
    email = get_user_model().objects.normalize_email((email or "").strip()).lower()
    if not email:
        raise ValidationError({"email": [_("Enter an email address.")]})
    if role not in EnterpriseRole.values:
        raise ValidationError({"role": [_("Unknown role.")]})
    if EnterpriseUser.objects.filter(enterprise=enterprise, user__email__iexact=email).exists():
        raise Conflict({"email": [_("This user already acts for the enterprise.")]})
    pending = EnterpriseInvitation.objects.filter(
        enterprise=enterprise, email=email, status=InvitationStatus.PENDING
    ).first()
    if pending is not None:
        return pending
    invitation = EnterpriseInvitation.objects.create(
        enterprise=enterprise, email=email, role=role, invited_by=by
    )
    title = _("You are invited to act for %(enterprise)s") % {"enterprise": enterprise.name}
    body = _("Sign in to the platform with this email address to accept or decline the invitation.")
    user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if user is not None:
        notification_send(
            user=user,
            kind="enterprise.invitation",
            title=title,
            body=body,
            dedup_key=f"enterprise-invitation:{invitation.pk}",
            target=invitation,
        )
    else:
        transaction.on_commit(
            lambda: send_mail(title, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True)
        )
    return invitation


def _invitation_for(invitation: EnterpriseInvitation, user) -> EnterpriseInvitation:
    invitation = EnterpriseInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.email.lower() != (user.email or "").lower():
        raise PermissionDenied
    if invitation.status != InvitationStatus.PENDING:
        raise Conflict(_("This invitation has already been answered."))
    return invitation


@transaction.atomic
def enterprise_invitation_accept(*, invitation: EnterpriseInvitation, user) -> EnterpriseUser:
    """The invited user accepts: they now act for the enterprise in the invited role."""
    invitation = _invitation_for(invitation, user)
    link, _created = EnterpriseUser.objects.get_or_create(
        enterprise=invitation.enterprise, user=user, defaults={"role": invitation.role}
    )
    invitation.status = InvitationStatus.ACCEPTED
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at", "updated_at"])
    return link


@transaction.atomic
def enterprise_invitation_decline(*, invitation: EnterpriseInvitation, user) -> EnterpriseInvitation:
    invitation = _invitation_for(invitation, user)
    invitation.status = InvitationStatus.DECLINED
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at", "updated_at"])
    return invitation


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


# --- Verification by a cluster's agency ----------------------------------------------------


# Verification is platform-wide (the facts belong to the legal entity, and every cluster gains from
# one agency's check) but owned by the cluster whose agency made it: only that agency, or a platform
# operator, may revoke it; another cluster's verify is a no-op, its unverify a 409; and every change
# (verify, revoke, cleared by an owner's edit) is in the verifying cluster's audit log.


def _fact_json(value) -> Any:
    return value if value is None or isinstance(value, int | str | list) else str(value)


def _verification_snapshot(enterprise: Enterprise) -> dict[str, Any]:
    return {
        "verified_at": enterprise.verified_at.isoformat() if enterprise.verified_at else None,
        "verified_by": str(enterprise.verified_by_id) if enterprise.verified_by_id else None,
        "verified_cluster": str(enterprise.verified_cluster_id) if enterprise.verified_cluster_id else None,
    }


def _verification_clear(
    enterprise: Enterprise, *, by, action: str, changed_facts: dict | None = None
) -> None:
    """Clear the verification in memory (the caller saves) and record it where the decision was made."""
    before = _verification_snapshot(enterprise)
    cluster_id = enterprise.verified_cluster_id
    enterprise.verified_at = None
    enterprise.verified_by = None
    enterprise.verified_cluster = None
    if cluster_id is not None:
        after = _verification_snapshot(enterprise)
        if changed_facts:
            after["changed_facts"] = changed_facts
        audit_record(
            cluster=Cluster.objects.get(pk=cluster_id),
            actor=by,
            action=action,
            target=enterprise,
            before=before,
            after=after,
        )


@transaction.atomic
def enterprise_verify(*, cluster: Cluster, enterprise: Enterprise, by) -> Enterprise:
    """Agency staff confirm the enterprise's registration facts. Idempotent, and a verification made
    by any agency stands: verifying again (here or in another cluster) keeps the first."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if enterprise.verified_at is not None:
        return enterprise
    before = _verification_snapshot(enterprise)
    enterprise.verified_at = timezone.now()
    enterprise.verified_by = by
    enterprise.verified_cluster = cluster
    enterprise.save(update_fields=["verified_at", "verified_by", "verified_cluster", "updated_at"])
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
    """Revoke the verification this cluster's agency made. Another agency's verification answers
    409: it is that agency's decision (or a platform operator's, `enterprise_unverify_by_platform`)."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if enterprise.verified_at is None:
        return enterprise
    if enterprise.verified_cluster_id != cluster.pk:
        raise Conflict(
            _(
                "Only the agency that verified this enterprise, or a platform operator, can revoke the verification."
            )
        )
    _verification_clear(enterprise, by=by, action="enterprise.unverified")
    enterprise.save(update_fields=["verified_at", "verified_by", "verified_cluster", "updated_at"])
    return enterprise


@transaction.atomic
def enterprise_unverify_by_platform(*, enterprise: Enterprise, by) -> Enterprise:
    """A platform operator revokes any verification; the verifying cluster's audit log shows it."""
    if not by.is_superuser:
        raise PermissionDenied
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if enterprise.verified_at is None:
        return enterprise
    _verification_clear(enterprise, by=by, action="enterprise.unverified_by_platform")
    enterprise.save(update_fields=["verified_at", "verified_by", "verified_cluster", "updated_at"])
    return enterprise
