"""Writes for voucher programmes: creation (which funds the ledger) and edits."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cluster_platform.exceptions import Conflict
from cluster_platform.models import Cluster
from cluster_platform.services import audit_record
from policies.models import Policy
from policies.rules.validation import validate_rule
from programmes.models import VoucherProgramme
from programmes.services.ledger import ledger_fund, programme_lock
from services.models import Category

EDITABLE_FIELDS = (
    "name",
    "description",
    "policy",
    "budget",
    "per_sme_cap",
    "coverage_share",
    "eligible_categories",
    "eligibility_rule",
    "applications_open",
    "applications_close",
    "voucher_validity_days",
)


def _snapshot(programme: VoucherProgramme) -> dict:
    return {
        "name": programme.name,
        "budget": str(programme.budget),
        "per_sme_cap": str(programme.per_sme_cap),
        "coverage_share": str(programme.coverage_share),
        "eligible_categories": list(programme.eligible_categories),
        "eligibility_rule": programme.eligibility_rule,
        "applications_open": programme.applications_open.isoformat(),
        "applications_close": programme.applications_close.isoformat(),
        "voucher_validity_days": programme.voucher_validity_days,
        "policy": str(programme.policy_id) if programme.policy_id else None,
    }


def _validate(*, cluster: Cluster, values: dict) -> None:
    """Field-level errors for the rules that span fields or need the database."""
    errors: dict[str, list[str]] = {}
    budget, cap, share = values["budget"], values["per_sme_cap"], values["coverage_share"]
    if budget <= 0:
        errors["budget"] = [_("The budget must be positive.")]
    if cap <= 0:
        errors["per_sme_cap"] = [_("The cap per SME must be positive.")]
    elif budget > 0 and cap > budget:
        errors["per_sme_cap"] = [_("The cap per SME cannot exceed the budget.")]
    if not Decimal("0") < share <= Decimal("1"):
        errors["coverage_share"] = [_("A share between 0 (excluded) and 1, e.g. 0.3 for 30 %.")]
    if values["applications_open"] > values["applications_close"]:
        errors["applications_close"] = [_("Applications cannot close before they open.")]
    if values["voucher_validity_days"] <= 0:
        errors["voucher_validity_days"] = [_("At least one day.")]
    codes = list(values.get("eligible_categories") or [])
    unknown = sorted(set(codes) - set(Category.objects.filter(code__in=codes).values_list("code", flat=True)))
    if unknown:
        errors["eligible_categories"] = [
            _("Unknown service categories: %(codes)s.") % {"codes": ", ".join(unknown)}
        ]
    rule_errors = validate_rule(values.get("eligibility_rule") or {})
    if rule_errors:
        errors["eligibility_rule"] = rule_errors
    policy: Policy | None = values.get("policy")
    if policy is not None and policy.cluster_id not in (None, cluster.pk):
        errors["policy"] = [_("Not found in this cluster.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def programme_create(
    *,
    cluster: Cluster,
    by,
    name: str,
    budget: Decimal,
    per_sme_cap: Decimal,
    coverage_share: Decimal,
    applications_open: date,
    applications_close: date,
    voucher_validity_days: int,
    description: str = "",
    policy: Policy | None = None,
    eligible_categories: list[str] | None = None,
    eligibility_rule: dict | None = None,
) -> VoucherProgramme:
    """Create a programme and fund its ledger with the whole budget (the ledger's first row)."""
    values = {
        "name": name.strip(),
        "description": description,
        "policy": policy,
        "budget": budget,
        "per_sme_cap": per_sme_cap,
        "coverage_share": coverage_share,
        "eligible_categories": sorted(set(eligible_categories or [])),
        "eligibility_rule": eligibility_rule or {},
        "applications_open": applications_open,
        "applications_close": applications_close,
        "voucher_validity_days": voucher_validity_days,
    }
    if not values["name"]:
        raise ValidationError({"name": [_("A name is required.")]})
    _validate(cluster=cluster, values=values)
    try:
        with transaction.atomic():
            programme = VoucherProgramme.objects.create(cluster=cluster, created_by=by, **values)
    except IntegrityError:
        raise Conflict(_("This cluster already has a programme with this name.")) from None
    programme = programme_lock(programme_id=programme.pk)
    ledger_fund(programme=programme, amount=programme.budget, actor=by, memo="initial budget")
    audit_record(
        cluster=cluster, actor=by, action="programme.create", target=programme, after=_snapshot(programme)
    )
    return programme


@transaction.atomic
def programme_update(*, programme: VoucherProgramme, by, changes: dict) -> VoucherProgramme:
    """Edit a programme. The budget may only grow (the increase is a new `fund` row): money
    already promised to SMEs cannot be taken back by an edit."""
    programme = programme_lock(programme_id=programme.pk)
    before = _snapshot(programme)
    values = {field: changes.get(field, getattr(programme, field)) for field in EDITABLE_FIELDS}
    if "name" in changes:
        values["name"] = (changes["name"] or "").strip()
        if not values["name"]:
            raise ValidationError({"name": [_("A name is required.")]})
    if values["budget"] < programme.budget:
        raise ValidationError({"budget": [_("The budget can only be increased.")]})
    _validate(cluster=programme.cluster, values=values)
    increase = values["budget"] - programme.budget
    for field, value in values.items():
        setattr(programme, field, value)
    try:
        with transaction.atomic():
            programme.save()
    except IntegrityError:
        raise Conflict(_("This cluster already has a programme with this name.")) from None
    if increase > 0:
        ledger_fund(programme=programme, amount=increase, actor=by, memo="budget increase")
    audit_record(
        cluster=programme.cluster,
        actor=by,
        action="programme.update",
        target=programme,
        before=before,
        after=_snapshot(programme),
    )
    return programme
