from decimal import Decimal

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform.exceptions import Conflict, InvalidTransition
from cluster_platform.models import Cluster
from cluster_platform.reference.industries import get_industry
from cluster_platform.reference.regions import get_region
from cluster_platform.search import tsvector_literal
from cluster_platform.services import audit_record
from cluster_platform.transitions import transition_target
from enterprises.models import Enterprise, MembershipRole, SizeClass
from enterprises.selectors.memberships import is_approved_member, is_partner_in_good_standing
from services import signals
from services.models import (
    Category,
    DeliveryMode,
    Offering,
    OfferingRevision,
    OfferingStatus,
    PriceModel,
    RevisionStatus,
)
from services.services.inputs import decimal_or_none, distinct
from services.services.notifications import notify_enterprise

# The fields a partner edits; a revision's `data` holds all of them.
OFFERING_EDITABLE_FIELDS = (
    "title",
    "summary",
    "description",
    "category",
    "delivery_mode",
    "target_industries",
    "target_size_classes",
    "regions_served",
    "maturity_levels",
    "price_model",
    "price_min",
    "price_max",
    "voucher_eligible",
    "capacity",
    "tags",
)

MAX_TAGS = 10

# action -> (states it may start from, state it leads to)
OFFERING_TRANSITIONS = {
    "submit": (
        {OfferingStatus.DRAFT, OfferingStatus.REJECTED, OfferingStatus.WITHDRAWN},
        OfferingStatus.PENDING,
    ),
    "approve": ({OfferingStatus.PENDING}, OfferingStatus.PUBLISHED),
    "reject": ({OfferingStatus.PENDING}, OfferingStatus.REJECTED),
    "withdraw": ({OfferingStatus.PENDING, OfferingStatus.PUBLISHED}, OfferingStatus.WITHDRAWN),
}
# States a partner edits in place; a published offering is edited through a revision.
OFFERING_EDITABLE_IN_PLACE = {OfferingStatus.DRAFT, OfferingStatus.REJECTED, OfferingStatus.WITHDRAWN}


def industry_code_known(code: str) -> bool:
    """A GB/T 4754-2017 section, division, group or class. The shipped table is the complete
    classification, so a well-formed code that the standard does not list (C3999) is refused."""
    return get_industry(code) is not None


def validate_industry_prefix(value: str) -> None:
    if not industry_code_known(value):
        raise ValidationError(
            _("%(value)s is not a GB/T 4754-2017 industry code."),
            code="unknown_industry",
            params={"value": value},
        )


def offering_values_clean(values: dict) -> dict:
    """Validate a complete set of editable offering values and return them normalised.

    Raises ValidationError with every field-level problem at once. Prices are checked
    against the price model: free has no price, fixed has one price (stored as
    min = max), from has a lower bound and no upper bound, subscription has a price per
    period (optionally a range), quote may show an indicative range.
    """
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)

    for field in ("title", "summary"):
        text = (cleaned.get(field) or "").strip()
        if not text:
            errors[field] = [_("This field may not be blank.")]
        cleaned[field] = text
    cleaned["description"] = (cleaned.get("description") or "").strip()

    category = cleaned.get("category")
    code = category.code if isinstance(category, Category) else category
    if not code or not Category.objects.filter(code=code).exists():
        errors["category"] = [_("Unknown service category.")]
    cleaned["category"] = code

    if cleaned.get("delivery_mode") not in DeliveryMode.values:
        errors["delivery_mode"] = [_("Choose online, offline or hybrid.")]

    industries = distinct(code.strip().upper() for code in cleaned.get("target_industries") or [])
    unknown = [code for code in industries if not industry_code_known(code)]
    if unknown:
        errors["target_industries"] = [
            _("Not GB/T 4754-2017 industry codes: %(codes)s.") % {"codes": ", ".join(unknown)}
        ]
    cleaned["target_industries"] = industries

    sizes = distinct(cleaned.get("target_size_classes") or [])
    if any(size not in SizeClass.values for size in sizes):
        errors["target_size_classes"] = [
            _("Size classes must be among: %(choices)s.") % {"choices": ", ".join(SizeClass.values)}
        ]
    cleaned["target_size_classes"] = sizes

    regions = distinct(code.strip() for code in cleaned.get("regions_served") or [])
    unknown = [code for code in regions if get_region(code) is None]
    if unknown:
        errors["regions_served"] = [
            _("Not current GB/T 2260 region codes: %(codes)s.") % {"codes": ", ".join(unknown)}
        ]
    cleaned["regions_served"] = regions

    levels = sorted(set(cleaned.get("maturity_levels") or []))
    if any(not isinstance(level, int) or not 1 <= level <= 4 for level in levels):
        errors["maturity_levels"] = [_("Digital-maturity levels are 1 to 4.")]
    cleaned["maturity_levels"] = levels

    model = cleaned.get("price_model")
    price_min, price_max = (
        decimal_or_none(cleaned.get("price_min")),
        decimal_or_none(cleaned.get("price_max")),
    )
    if model not in PriceModel.values:
        errors["price_model"] = [_("Unknown price model.")]
    else:
        errors.update(_price_errors(model, price_min, price_max))
        if model == PriceModel.FIXED and price_min is not None:
            price_max = price_min
    cleaned["price_min"], cleaned["price_max"] = price_min, price_max

    cleaned["voucher_eligible"] = bool(cleaned.get("voucher_eligible"))
    capacity = cleaned.get("capacity")
    if not isinstance(capacity, int) or capacity < 1:
        errors["capacity"] = [_("Capacity is the number of concurrent engagements, at least 1.")]

    tags = distinct(tag.strip() for tag in cleaned.get("tags") or [] if tag and tag.strip())
    if len(tags) > MAX_TAGS:
        errors["tags"] = [_("At most %(count)d tags.") % {"count": MAX_TAGS}]
    elif any(len(tag) > 32 for tag in tags):
        errors["tags"] = [_("A tag has at most 32 characters.")]
    cleaned["tags"] = tags

    if errors:
        raise ValidationError(errors)
    return cleaned


def _price_errors(model: str, price_min: Decimal | None, price_max: Decimal | None) -> dict:
    errors: dict[str, list[str]] = {}
    for field, value in (("price_min", price_min), ("price_max", price_max)):
        if value is not None and value < 0:
            errors[field] = [_("A price cannot be negative.")]
    if errors:
        return errors
    if model == PriceModel.FREE:
        for field, value in (("price_min", price_min), ("price_max", price_max)):
            if value is not None:
                errors[field] = [_("A free offering has no price.")]
    elif model == PriceModel.FIXED:
        if price_min is None:
            errors["price_min"] = [_("A fixed-price offering states its price.")]
        elif price_max is not None and price_max != price_min:
            errors["price_max"] = [_("A fixed price is one amount: leave the maximum empty.")]
    elif model == PriceModel.FROM:
        if price_min is None:
            errors["price_min"] = [_("A 'from' price states its lower bound.")]
        if price_max is not None:
            errors["price_max"] = [_("A 'from' price has no upper bound.")]
    elif model == PriceModel.SUBSCRIPTION and price_min is None:
        errors["price_min"] = [_("A subscription states its price.")]
    if not errors and price_min is not None and price_max is not None and price_max < price_min:
        errors["price_max"] = [_("The maximum price is below the minimum price.")]
    if not errors and price_min is None and price_max is not None:
        errors["price_min"] = [_("Give the minimum price with the maximum price.")]
    return errors


def offering_values(offering: Offering) -> dict:
    """The offering's current editable values (category as its code)."""
    values = {field: getattr(offering, field) for field in OFFERING_EDITABLE_FIELDS if field != "category"}
    values["category"] = offering.category_id
    return values


def _values_to_json(values: dict) -> dict:
    return {
        field: (str(value) if isinstance(value, Decimal) else value)
        for field, value in values.items()
        if field in OFFERING_EDITABLE_FIELDS
    }


def _apply_values(offering: Offering, cleaned: dict) -> None:
    for field, value in cleaned.items():
        if field == "category":
            offering.category_id = value
        else:
            setattr(offering, field, value)


def offerings_search_refresh_for_categories(*, codes: list[str]) -> int:
    """Recompute the search vectors of every offering filed under these categories or under
    their children (a child's vector holds its parent's names too). A renamed category would
    otherwise leave its offerings findable only by the old name. Returns how many were refreshed."""
    offerings = Offering.objects.filter(Q(category_id__in=codes) | Q(category__parent_id__in=codes)).order_by(
        "pk"
    )
    refreshed = 0
    for offering in offerings.iterator(chunk_size=500):
        offering_search_refresh(offering=offering)
        refreshed += 1
    return refreshed


@transaction.atomic
def category_rename(*, category: Category, name: str, name_en: str) -> Category:
    """Rename a service category (platform operators, through the admin) and keep the search
    text of its offerings in step."""
    if (category.name, category.name_en) == (name, name_en):
        return category
    category.name, category.name_en = name, name_en
    category.full_clean()
    category.save(update_fields=["name", "name_en"])
    offerings_search_refresh_for_categories(codes=[category.code])
    return category


def offering_search_refresh(*, offering: Offering) -> None:
    """Recompute the offering's search vector from its (approved) columns.

    Weights: title A; summary and tags B; description C; category names D. Segmentation
    happens in Python, so the write services call this rather than a database trigger.
    """
    category = Category.objects.select_related("parent").get(code=offering.category_id)
    category_names = [category.name, category.name_en]
    if category.parent is not None:
        category_names += [category.parent.name, category.parent.name_en]
    literal = tsvector_literal(
        [
            ("A", offering.title),
            ("B", offering.summary),
            ("B", " ".join(offering.tags)),
            ("C", offering.description),
            ("D", " ".join(category_names)),
        ]
    )
    Offering.objects.filter(pk=offering.pk).update(search_vector=Cast(Value(literal), SearchVectorField()))


@transaction.atomic
def offering_create(*, cluster: Cluster, partner: Enterprise, values: dict, by) -> Offering:
    """A partner drafts an offering in a cluster where it is an approved partner member."""
    if not is_approved_member(cluster=cluster, enterprise_id=partner.pk, role=MembershipRole.PARTNER):
        raise ValidationError({"partner": [_("This enterprise is not an approved partner of this cluster.")]})
    cleaned = offering_values_clean({field: values.get(field) for field in OFFERING_EDITABLE_FIELDS})
    offering = Offering(cluster=cluster, partner=partner, status=OfferingStatus.DRAFT)
    _apply_values(offering, cleaned)
    offering.save()
    offering_search_refresh(offering=offering)
    return offering


def _lock(offering: Offering) -> Offering:
    return Offering.objects.select_for_update().get(pk=offering.pk)


@transaction.atomic
def offering_update(*, offering: Offering, changes: dict, by) -> tuple[Offering, OfferingRevision | None]:
    """A partner edits its offering.

    Drafts, rejected and withdrawn offerings change in place. A published offering does
    not: the change becomes a pending revision (replacing an earlier pending one) and the
    public keeps seeing the approved version until the agency approves it. An offering
    under review cannot change, so the agency decides on what it read.
    """
    offering = _lock(offering)
    unknown = set(changes) - set(OFFERING_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be changed.")] for field in sorted(unknown)})
    if offering.status == OfferingStatus.PENDING:
        raise Conflict(_("An offering under review cannot be edited; withdraw it first."))
    base = offering_values(offering)
    if offering.status == OfferingStatus.PUBLISHED:
        pending = offering.revisions.filter(status=RevisionStatus.PENDING).first()
        if pending is not None:
            base.update(pending.data)
    cleaned = offering_values_clean({**base, **changes})
    if offering.status in OFFERING_EDITABLE_IN_PLACE:
        _apply_values(offering, cleaned)
        offering.save()
        offering_search_refresh(offering=offering)
        return offering, None
    OfferingRevision.objects.filter(offering=offering, status=RevisionStatus.PENDING).update(
        status=RevisionStatus.SUPERSEDED, updated_at=timezone.now()
    )
    if _values_to_json(cleaned) == _values_to_json(offering_values_clean(offering_values(offering))):
        return offering, None  # back to the approved version: nothing left to review
    revision = OfferingRevision.objects.create(
        cluster_id=offering.cluster_id, offering=offering, data=_values_to_json(cleaned), submitted_by=by
    )
    return offering, revision


@transaction.atomic
def _going_public_check(offering: Offering) -> None:
    """A partner out of good standing (suspended, accreditation ended) puts no new offering before
    the public: refused at submission and at approval, until it is reinstated or renewed."""
    if not is_partner_in_good_standing(cluster=offering.cluster, enterprise_id=offering.partner_id):
        raise Conflict(
            _(
                "This partner is not in good standing in this cluster (suspended or accreditation ended): "
                "its offerings cannot be published until it is reinstated."
            ),
            code="partner_not_in_good_standing",
        )


def offering_submit(*, offering: Offering, by) -> Offering:
    """Send a draft (or a rejected or withdrawn offering) to the agency for review."""
    offering = _lock(offering)
    target = transition_target(OFFERING_TRANSITIONS, current=offering.status, action="submit")
    _going_public_check(offering)
    offering.status = target
    offering.submitted_at = timezone.now()
    offering.save(update_fields=["status", "submitted_at", "updated_at"])
    return offering


def _decision(offering: Offering, *, action: str, by, reason: str = "") -> Offering:
    before = {"status": offering.status}
    offering.status = transition_target(OFFERING_TRANSITIONS, current=offering.status, action=action)
    offering.decided_by = by
    offering.decided_at = timezone.now()
    offering.decision_reason = reason
    fields = ["status", "decided_by", "decided_at", "decision_reason", "updated_at"]
    if offering.status == OfferingStatus.PUBLISHED:
        offering.published_at = offering.decided_at
        fields.append("published_at")
    offering.save(update_fields=fields)
    audit_record(
        cluster=offering.cluster,
        actor=by,
        action=f"offering.{action}",
        target=offering,
        before=before,
        after={"status": offering.status, **({"reason": reason} if reason else {})},
    )
    _offering_decision_notify(offering=offering, action=action, reason=reason)
    return offering


def _offering_decision_notify(*, offering: Offering, action: str, reason: str) -> None:
    """Tell the partner's people the agency's decision on their offering (and why, if refused)."""
    titles = {
        "approve": _("Your offering was approved and published: %(title)s"),
        "reject": _("Your offering was rejected: %(title)s"),
        "withdraw": _("The agency withdrew your offering: %(title)s"),
    }
    if action not in titles:
        return
    notify_enterprise(
        enterprise_id=offering.partner_id,
        cluster=offering.cluster,
        kind=f"offering.{offering.status}",
        title=str(titles[action] % {"title": offering.title}),
        body=reason,
        target=offering,
        dedup_key=f"offering-decision:{offering.pk}:{action}:{offering.decided_at.isoformat()}",
    )


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason, it is shown to the partner.")]})
    return reason


@transaction.atomic
def offering_approve(*, offering: Offering, by) -> Offering:
    """The agency publishes a pending offering (audit-logged)."""
    offering = _lock(offering)
    transition_target(
        OFFERING_TRANSITIONS, current=offering.status, action="approve"
    )  # 409 first if not pending
    _going_public_check(offering)
    offering = _decision(offering, action="approve", by=by)
    signals.offering_changed.send(sender=Offering, offering=offering)
    return offering


@transaction.atomic
def offering_reject(*, offering: Offering, by, reason: str) -> Offering:
    """The agency rejects a pending offering with a reason shown to the partner (audit-logged)."""
    reason = _reason_required(reason)
    return _decision(_lock(offering), action="reject", by=by, reason=reason)


@transaction.atomic
def offering_withdraw(*, offering: Offering, by, by_agency: bool = False, reason: str = "") -> Offering:
    """Take an offering off the catalog: its partner does, or the agency does (audit-logged, with a reason).

    A pending revision is superseded: it was a change to what is no longer offered.
    """
    offering = _lock(offering)
    if by_agency:
        reason = _reason_required(reason)
        offering = _decision(offering, action="withdraw", by=by, reason=reason)
    else:
        offering.status = transition_target(OFFERING_TRANSITIONS, current=offering.status, action="withdraw")
        offering.save(update_fields=["status", "updated_at"])
    OfferingRevision.objects.filter(offering=offering, status=RevisionStatus.PENDING).update(
        status=RevisionStatus.SUPERSEDED, updated_at=timezone.now()
    )
    signals.offering_changed.send(sender=Offering, offering=offering)
    return offering


def _lock_revision(revision: OfferingRevision) -> OfferingRevision:
    # Lock the offering first, then the revision: the order offering_update uses, so they cannot deadlock.
    _lock(revision.offering)
    return OfferingRevision.objects.select_for_update().select_related("offering").get(pk=revision.pk)


def _check_revision_pending(revision: OfferingRevision, action: str) -> None:
    if revision.status != RevisionStatus.PENDING:
        raise InvalidTransition(current=revision.status, requested=action, allowed=[])


@transaction.atomic
def offering_revision_approve(*, revision: OfferingRevision, by) -> Offering:
    """The agency approves a proposed change: its values replace the offering's (audit-logged)."""
    revision = _lock_revision(revision)
    _check_revision_pending(revision, "approve")
    offering = revision.offering
    before = _values_to_json(offering_values(offering))
    cleaned = offering_values_clean({**offering_values(offering), **revision.data})
    _apply_values(offering, cleaned)
    offering.save()
    offering_search_refresh(offering=offering)
    revision.status = RevisionStatus.APPROVED
    revision.decided_by, revision.decided_at = by, timezone.now()
    revision.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    after = _values_to_json(cleaned)
    changed = [field for field in OFFERING_EDITABLE_FIELDS if before.get(field) != after.get(field)]
    audit_record(
        cluster=offering.cluster,
        actor=by,
        action="offering.revision_approve",
        target=offering,
        before={field: before[field] for field in changed},
        after={"revision": str(revision.pk), **{field: after[field] for field in changed}},
    )
    signals.offering_changed.send(sender=Offering, offering=offering)
    return offering


@transaction.atomic
def offering_revision_reject(*, revision: OfferingRevision, by, reason: str) -> OfferingRevision:
    """The agency rejects a proposed change; the offering stays as approved (audit-logged)."""
    reason = _reason_required(reason)
    revision = _lock_revision(revision)
    _check_revision_pending(revision, "reject")
    revision.status = RevisionStatus.REJECTED
    revision.decided_by, revision.decided_at, revision.decision_reason = by, timezone.now(), reason
    revision.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    audit_record(
        cluster=revision.offering.cluster,
        actor=by,
        action="offering.revision_reject",
        target=revision.offering,
        before={"revision": str(revision.pk)},
        after={"revision": str(revision.pk), "status": revision.status, "reason": reason},
    )
    return revision
