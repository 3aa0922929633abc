"""Writes for cluster memberships: applications and the agency's decisions.

Every function validates before it writes and runs in one transaction, so bad input changes
nothing. Agency decisions are audit-logged inside the transaction that makes them.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform.exceptions import Conflict, InvalidTransition
from cluster_platform.models import Cluster
from cluster_platform.services import audit_record
from cluster_platform.transitions import transition_target
from enterprises.models import (
    Enterprise,
    EnterpriseUser,
    Membership,
    MembershipRole,
    MembershipStatus,
    PartnerTier,
)
from enterprises.notifications import enterprise_users_notify
from enterprises.signals import enterprise_facts_changed

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
