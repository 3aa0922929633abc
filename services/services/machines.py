"""Shared machines a partner offers, and the agency's decisions on them."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform.exceptions import InvalidTransition
from cluster_platform.models import Cluster
from cluster_platform.services import audit_record
from enterprises.models import Enterprise
from enterprises.selectors.roles import cluster_roles_for
from services import slots
from services.models import (
    Machine,
    MachineApproval,
    MachineKind,
    MachineStatus,
)
from services.services.inputs import MAX_REASON_LENGTH, clean_text
from services.services.notifications import notify_enterprise

MACHINE_FIELDS = (
    "asset_code",
    "name",
    "kind",
    "model_name",
    "manufacturer",
    "description",
    "location",
    "hourly_rate",
    "status",
    "opening_hours",
)

# Changing what the machine is sends it back to the agency; price, hours and status do not.
MACHINE_REVIEWED_FIELDS = ("asset_code", "name", "kind", "model_name", "manufacturer", "location")
_TEXT_LIMITS = {
    "asset_code": 64,
    "name": 200,
    "model_name": 200,
    "manufacturer": 200,
    "location": 200,
    "description": 5000,
}
_REQUIRED = ("asset_code", "name", "kind", "model_name", "location", "hourly_rate")


def _machine_clean(data: dict, *, partial: bool) -> dict:
    """Validate machine fields; raises a field-level ValidationError listing every problem."""
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(MACHINE_FIELDS)
    for field in sorted(unknown):
        errors[field] = [_("Unknown field.")]
    cleaned = {}
    for field in MACHINE_FIELDS:
        if field not in data:
            if not partial and field in _REQUIRED:
                errors[field] = [_("This field is required.")]
            continue
        value = data[field]
        if field in _TEXT_LIMITS:
            value = "" if value is None else str(value).strip()
            if field in _REQUIRED and not value:
                errors[field] = [_("This field may not be blank.")]
            elif len(value) > _TEXT_LIMITS[field]:
                errors[field] = [_("At most %(limit)d characters.") % {"limit": _TEXT_LIMITS[field]}]
        elif field == "kind" and value not in MachineKind.values:
            errors[field] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(MachineKind.values)}]
        elif field == "status" and value not in MachineStatus.values:
            errors[field] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(MachineStatus.values)}]
        elif field == "hourly_rate":
            try:
                value = Decimal(str(value))
            except (InvalidOperation, ValueError, TypeError):
                errors[field] = [_("Give an amount in CNY.")]
            else:
                if not value.is_finite() or value < 0 or value >= Decimal("1e8"):
                    errors[field] = [_("Give an amount from 0 to 99,999,999.99 CNY.")]
                elif value.as_tuple().exponent < -2:
                    errors[field] = [_("At most two decimal places.")]
        elif field == "opening_hours":
            problems = slots.opening_hours_errors(value)
            if problems:
                errors[field] = problems
        cleaned[field] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _require_partner(*, cluster: Cluster, partner: Enterprise, by) -> None:
    roles = cluster_roles_for(user=by, cluster=cluster)
    if partner.pk not in roles.partner_enterprise_ids:
        raise PermissionDenied(_("Only an approved partner of this cluster may manage its machines."))


@transaction.atomic
def machine_create(*, cluster: Cluster, partner: Enterprise, by, data: dict) -> Machine:
    """A partner lists a machine; it waits for the agency's approval before anyone can book it."""
    _require_partner(cluster=cluster, partner=partner, by=by)
    cleaned = _machine_clean(data, partial=False)
    try:
        with transaction.atomic():
            return Machine.objects.create(
                cluster=cluster,
                partner=partner,
                approval=MachineApproval.PENDING,
                submitted_at=timezone.now(),
                **cleaned,
            )
    except IntegrityError:
        raise ValidationError(
            {"asset_code": [_("You already listed a machine with this asset code.")]}
        ) from None


@transaction.atomic
def machine_update(*, cluster: Cluster, machine: Machine, by, data: dict) -> Machine:
    """The partner edits a machine; changing what it is (not its price, hours or status) needs re-approval."""
    _require_partner(cluster=cluster, partner=machine.partner, by=by)
    cleaned = _machine_clean(data, partial=True)
    machine = Machine.objects.select_for_update().get(pk=machine.pk, cluster=cluster)
    changed = [field for field, value in cleaned.items() if getattr(machine, field) != value]
    for field in changed:
        setattr(machine, field, cleaned[field])
    if (
        any(field in MACHINE_REVIEWED_FIELDS for field in changed)
        and machine.approval != MachineApproval.PENDING
    ):
        machine.approval = MachineApproval.PENDING
        machine.submitted_at = timezone.now()
        machine.decided_at = None
        machine.decided_by = None
        machine.decision_reason = ""
        changed += ["approval", "submitted_at", "decided_at", "decided_by", "decision_reason"]
    try:
        with transaction.atomic():
            machine.save(update_fields=[*changed, "updated_at"])
    except IntegrityError:
        raise ValidationError(
            {"asset_code": [_("You already listed a machine with this asset code.")]}
        ) from None
    return machine


def _machine_decide(*, cluster: Cluster, machine: Machine, by, approve: bool, reason: str) -> Machine:
    roles = cluster_roles_for(user=by, cluster=cluster)
    if not roles.can_decide:
        raise PermissionDenied(_("Only the agency's admins and operators decide on machines."))
    reason = clean_text(reason, field="reason", limit=MAX_REASON_LENGTH)
    if not approve and not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    machine = Machine.objects.select_for_update().get(pk=machine.pk, cluster=cluster)
    if machine.approval != MachineApproval.PENDING:
        raise InvalidTransition(
            current=machine.approval, requested="approve" if approve else "reject", allowed=[]
        )
    before = {"approval": machine.approval}
    machine.approval = MachineApproval.APPROVED if approve else MachineApproval.REJECTED
    machine.decided_at = timezone.now()
    machine.decided_by = by
    machine.decision_reason = reason
    machine.save(update_fields=["approval", "decided_at", "decided_by", "decision_reason", "updated_at"])
    audit_record(
        cluster=cluster,
        actor=by,
        action="machine.approve" if approve else "machine.reject",
        target=machine,
        before=before,
        after={"approval": machine.approval, "reason": reason},
    )
    notify_enterprise(
        cluster=cluster,
        enterprise_id=machine.partner_id,
        kind="machine.approved" if approve else "machine.rejected",
        title=str(_("Your machine was approved") if approve else _("Your machine was rejected")),
        body=f"{machine.name}: {reason}" if reason else machine.name,
        target=machine,
        dedup_key=f"machine-decision:{machine.pk}:{machine.decided_at.isoformat()}",
    )
    return machine


@transaction.atomic
def machine_approve(*, cluster: Cluster, machine: Machine, by, reason: str = "") -> Machine:
    return _machine_decide(cluster=cluster, machine=machine, by=by, approve=True, reason=reason)


@transaction.atomic
def machine_reject(*, cluster: Cluster, machine: Machine, by, reason: str) -> Machine:
    return _machine_decide(cluster=cluster, machine=machine, by=by, approve=False, reason=reason)
