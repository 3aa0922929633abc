from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cluster_platform.exceptions import Conflict
from cluster_platform.models import Cluster
from cluster_platform.services import audit_record
from cluster_platform.transitions import transition_target
from enterprises.models import Enterprise, MembershipRole
from enterprises.selectors.memberships import is_approved_member
from services import engagement_flow, signals
from services.models import (
    Category,
    Demand,
    DemandStatus,
    Engagement,
)
from services.services.inputs import decimal_or_none, distinct

DEMAND_EDITABLE_FIELDS = (
    "title",
    "description",
    "categories",
    "budget_min",
    "budget_max",
    "desired_start",
    "deadline",
    "visible_to_partners",
)

DEMAND_TRANSITIONS = {
    "match": ({DemandStatus.OPEN}, DemandStatus.MATCHED),
    "start": ({DemandStatus.MATCHED}, DemandStatus.IN_PROGRESS),
    "close": ({DemandStatus.IN_PROGRESS}, DemandStatus.CLOSED),
    "cancel": ({DemandStatus.OPEN, DemandStatus.MATCHED, DemandStatus.IN_PROGRESS}, DemandStatus.CANCELLED),
}
DEMAND_EDITABLE_STATES = {DemandStatus.OPEN, DemandStatus.MATCHED}


def demand_values_clean(values: dict) -> dict:
    """Validate a complete set of editable demand values; every field-level problem at once."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    cleaned["title"] = (cleaned.get("title") or "").strip()
    if not cleaned["title"]:
        errors["title"] = [_("This field may not be blank.")]
    cleaned["description"] = (cleaned.get("description") or "").strip()
    codes = distinct(
        category.code if isinstance(category, Category) else category
        for category in cleaned.get("categories") or []
    )
    known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
    if len(known) != len(codes):
        errors["categories"] = [
            _("Unknown service categories: %(codes)s.")
            % {"codes": ", ".join(c for c in codes if c not in known)}
        ]
    cleaned["categories"] = codes
    budget_min, budget_max = (
        decimal_or_none(cleaned.get("budget_min")),
        decimal_or_none(cleaned.get("budget_max")),
    )
    for field, value in (("budget_min", budget_min), ("budget_max", budget_max)):
        if value is not None and value < 0:
            errors[field] = [_("A budget cannot be negative.")]
    budget_checked = not errors.keys() & {"budget_min", "budget_max"} and None not in (budget_min, budget_max)
    if budget_checked and budget_max < budget_min:
        errors["budget_max"] = [_("The budget's upper bound is below its lower bound.")]
    cleaned["budget_min"], cleaned["budget_max"] = budget_min, budget_max
    start, deadline = cleaned.get("desired_start"), cleaned.get("deadline")
    for field, value in (("desired_start", start), ("deadline", deadline)):
        if value is not None and not isinstance(value, date):
            errors[field] = [_("Enter a date.")]
    if not errors.keys() & {"desired_start", "deadline"} and start and deadline and deadline < start:
        errors["deadline"] = [_("The deadline is before the desired start.")]
    cleaned["visible_to_partners"] = bool(cleaned.get("visible_to_partners"))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _demand_apply(demand: Demand, cleaned: dict) -> None:
    for field, value in cleaned.items():
        if field != "categories":
            setattr(demand, field, value)


@transaction.atomic
def demand_create(*, cluster: Cluster, sme: Enterprise, values: dict, by) -> Demand:
    """An SME member posts a need in its cluster."""
    if not is_approved_member(cluster=cluster, enterprise_id=sme.pk, role=MembershipRole.SME):
        raise ValidationError({"sme": [_("This enterprise is not an approved SME member of this cluster.")]})
    cleaned = demand_values_clean({field: values.get(field) for field in DEMAND_EDITABLE_FIELDS})
    demand = Demand(cluster=cluster, sme=sme, status=DemandStatus.OPEN)
    _demand_apply(demand, cleaned)
    demand.save()
    demand.categories.set(cleaned["categories"])
    signals.demand_changed.send(sender=Demand, demand=demand)
    return demand


@transaction.atomic
def demand_update(*, demand: Demand, changes: dict, by) -> Demand:
    """The SME edits its demand while it is open or matched."""
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    unknown = set(changes) - set(DEMAND_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be changed.")] for field in sorted(unknown)})
    if demand.status not in DEMAND_EDITABLE_STATES:
        raise Conflict(_("A demand in progress, closed or cancelled cannot be edited."))
    base = {field: getattr(demand, field) for field in DEMAND_EDITABLE_FIELDS if field != "categories"}
    base["categories"] = list(demand.categories.values_list("code", flat=True))
    cleaned = demand_values_clean({**base, **changes})
    _demand_apply(demand, cleaned)
    demand.save()
    demand.categories.set(cleaned["categories"])
    signals.demand_changed.send(sender=Demand, demand=demand)
    return demand


@transaction.atomic
def demand_transition(*, demand: Demand, action: str, by, by_agency: bool = False) -> Demand:
    """Move a demand along open -> matched -> in progress -> closed, or cancel it.

    The agency's moves are audit-logged (its decisions always are).
    """
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    before = demand.status
    demand.status = transition_target(DEMAND_TRANSITIONS, current=demand.status, action=action)
    demand.save(update_fields=["status", "updated_at"])
    if by_agency:
        audit_record(
            cluster=demand.cluster,
            actor=by,
            action=f"demand.{action}",
            target=demand,
            before={"status": before},
            after={"status": demand.status},
        )
    signals.demand_changed.send(sender=Demand, demand=demand)
    return demand


def demand_follow_engagement(*, engagement: Engagement) -> None:
    """Move the SME's demand along with the engagement that serves it: in progress when work
    starts, closed when the engagement completes. Only forward, and only from the states that
    precede it, so a demand the SME closed or cancelled meanwhile is left alone."""
    if engagement.demand_id is None:
        return
    follow = {
        engagement_flow.IN_PROGRESS: ([DemandStatus.OPEN, DemandStatus.MATCHED], DemandStatus.IN_PROGRESS),
        engagement_flow.COMPLETED: (
            [DemandStatus.OPEN, DemandStatus.MATCHED, DemandStatus.IN_PROGRESS],
            DemandStatus.CLOSED,
        ),
    }
    if engagement.status not in follow:
        return
    sources, target = follow[engagement.status]
    if Demand.objects.filter(pk=engagement.demand_id, status__in=sources).update(status=target):
        signals.demand_changed.send(sender=Demand, demand=Demand.objects.get(pk=engagement.demand_id))
