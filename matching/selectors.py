"""Reads for matching: the engine's inputs for one cluster, and the API's scoped querysets."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from cluster_platform.models import Cluster
from cluster_platform.reference.industries import get_industry
from enterprises.assessment import CURRENT_VERSION, questionnaire_load
from enterprises.models import Assessment, Enterprise, Membership, MembershipRole, MembershipStatus
from enterprises.selectors.memberships import partner_in_good_standing
from matching import engine, learning
from matching.models import (
    DismissReason,
    FeedbackKind,
    MatchingWeights,
    MatchRun,
    Recommendation,
    RecommendationFeedback,
)
from matching.profile import demand_text, offering_dimensions, offering_text, sme_text
from services.models import (
    Demand,
    DemandStatus,
    Engagement,
    EngagementStatus,
    Offering,
    OfferingStatus,
    PriceModel,
)
from services.selectors.reputation import partner_uplift_stats

# Engagements that hold one unit of an offering's capacity.
OCCUPYING_STATUSES = (EngagementStatus.ACCEPTED, EngagementStatus.IN_PROGRESS, EngagementStatus.DELIVERED)


@dataclass
class MatchingInputs:
    offerings: list[engine.OfferingInput]
    subjects: list[engine.SubjectInput]
    slots: list[int]  # recommendations each offering may still receive in this run
    top_n: int
    weights: dict[str, float]


def weights_for(*, cluster: Cluster) -> MatchingWeights:
    """The cluster's weights, or the defaults (unsaved) when the agency never changed them."""
    return MatchingWeights.objects.filter(cluster=cluster).first() or MatchingWeights(cluster=cluster)


def _dec(value) -> float | None:
    return None if value is None else float(value)


def offering_inputs(*, cluster: Cluster, dimensions: list[dict]) -> list[engine.OfferingInput]:
    # Each partner's client uplift from this cluster's engagements and assessments only, for
    # every partner at once (absent below the minimum sample).
    uplift = partner_uplift_stats(cluster=cluster)
    completed = dict(
        Engagement.objects.filter(cluster=cluster, status=EngagementStatus.COMPLETED)
        .values("partner_id")
        .annotate(n=Count("id"))
        .values_list("partner_id", "n")
    )
    occupied = dict(
        Engagement.objects.filter(cluster=cluster, status__in=OCCUPYING_STATUSES)
        .values("offering_id")
        .annotate(n=Count("id"))
        .values_list("offering_id", "n")
    )
    rows = (
        # Partners out of good standing (suspended, accreditation ended) are not matched.
        Offering.objects.filter(partner_in_good_standing(), cluster=cluster, status=OfferingStatus.PUBLISHED)
        .order_by("id")
        .values_list(
            "id",
            "partner_id",
            "category_id",
            "category__parent_id",
            "target_industries",
            "target_size_classes",
            "regions_served",
            "partner__region_code",
            "delivery_mode",
            "price_min",
            "price_max",
            "price_model",
            "maturity_levels",
            "title",
            "summary",
            "description",
            "tags",
            "rating_bayes",
            "rating_count",
            "capacity",
        )
    )
    offerings = []
    for (
        pk,
        partner_id,
        category,
        parent,
        industries,
        sizes,
        regions,
        partner_region,
        mode,
        price_min,
        price_max,
        price_model,
        levels,
        title,
        summary,
        description,
        tags,
        rating_bayes,
        rating_count,
        capacity,
    ) in rows:
        text = offering_text(title=title, summary=summary, description=description, tags=tags)
        offerings.append(
            engine.OfferingInput(
                id=str(pk),
                partner_id=str(partner_id),
                category=category,
                category_parent=parent or "",
                industries=tuple(industries),
                size_classes=tuple(sizes),
                regions=tuple(regions),
                partner_region=partner_region or "",
                delivery_mode=mode,
                price_min=_dec(price_min),
                price_max=_dec(price_max),
                free=price_model == PriceModel.FREE,
                maturity_levels=tuple(levels),
                dimensions=offering_dimensions(texts=[title, summary], tags=tags, dimensions=dimensions),
                text=text.terms,
                bigrams=text.bigrams,
                rating_bayes=rating_bayes,
                rating_count=rating_count,
                completed_engagements=completed.get(partner_id, 0),
                capacity=capacity,
                free_capacity=max(0, capacity - occupied.get(pk, 0)),
                uplift_levels=uplift[partner_id].mean_levels if partner_id in uplift else None,
                uplift_clients=uplift[partner_id].n if partner_id in uplift else 0,
            )
        )
    return offerings


def _latest_weakest(*, cluster: Cluster, enterprise_ids) -> dict:
    """enterprise id -> weakest dimensions of its latest assessment in this cluster."""
    rows = (
        Assessment.objects.filter(cluster=cluster, enterprise_id__in=enterprise_ids)
        .order_by("enterprise_id", "-created_at", "-id")
        .distinct("enterprise_id")
        .values_list("enterprise_id", "weakest_dimensions")
    )
    return {enterprise_id: tuple(weakest) for enterprise_id, weakest in rows}


def _dismissed(*, cluster: Cluster, sme_ids) -> dict:
    dismissed = defaultdict(set)
    rows = RecommendationFeedback.objects.filter(
        cluster=cluster, sme_id__in=sme_ids, kind=FeedbackKind.DISMISSED
    ).values_list("sme_id", "offering_id")
    for sme_id, offering_id in rows:
        dismissed[sme_id].add(str(offering_id))
    return dismissed


def subject_inputs(
    *, cluster: Cluster, demand_ids=None, sme_ids=None, dimensions: list[dict]
) -> list[engine.SubjectInput]:
    """Open demands and approved SME members (all of them when the ids are None), as engine subjects."""
    demands = Demand.objects.filter(cluster=cluster, status=DemandStatus.OPEN)
    if demand_ids is not None:
        demands = demands.filter(pk__in=demand_ids)
    demand_rows = list(
        demands.order_by("id").values_list("id", "sme_id", "title", "description", "budget_min", "budget_max")
    )
    categories = defaultdict(list)
    through = Demand.categories.through.objects.filter(demand_id__in=[row[0] for row in demand_rows])
    for demand_id, code, parent in through.values_list("demand_id", "category_id", "category__parent_id"):
        categories[demand_id].append((code, parent))
    members = Membership.objects.filter(
        cluster=cluster, role=MembershipRole.SME, status=MembershipStatus.APPROVED
    ).values_list("enterprise_id", flat=True)
    if sme_ids is not None:
        proactive_ids = set(members.filter(enterprise_id__in=sme_ids))
    else:
        proactive_ids = set(members)
    enterprise_ids = proactive_ids | {row[1] for row in demand_rows}
    enterprises = {
        row[0]: row
        for row in Enterprise.objects.filter(pk__in=enterprise_ids).values_list(
            "id", "industry_code", "size_class", "region_code", "digital_maturity_level", "description"
        )
    }
    weakest = _latest_weakest(cluster=cluster, enterprise_ids=enterprise_ids)
    dismissed = _dismissed(cluster=cluster, sme_ids=enterprise_ids)

    def base(enterprise_id):
        _pk, industry, size, region, level, _description = enterprises[enterprise_id]
        return {
            "sme_id": str(enterprise_id),
            "industry_code": industry or "",
            "size_class": size or "",
            "region_code": region or "",
            "maturity_level": level,
            "weakest_dimensions": weakest.get(enterprise_id, ()),
            "excluded_offerings": frozenset(dismissed.get(enterprise_id, ())),
        }

    subjects = []
    for pk, sme_id, title, description, budget_min, budget_max in demand_rows:
        codes = categories.get(pk, [])
        text = demand_text(title=title, description=description)
        subjects.append(
            engine.SubjectInput(
                key=f"demand:{pk}",
                categories=tuple(sorted(code for code, _parent in codes)),
                category_parents=tuple(sorted({parent for _code, parent in codes if parent})),
                budget_min=_dec(budget_min),
                budget_max=_dec(budget_max),
                text=text.terms,
                bigrams=text.bigrams,
                **base(sme_id),
            )
        )
    for enterprise_id in sorted(proactive_ids, key=str):
        _pk, industry, _size, _region, _level, description = enterprises[enterprise_id]
        industry_row = get_industry(industry) if industry else None
        text = sme_text(
            description=description or "",
            industry_name=industry_row.name if industry_row else "",
            weakest=weakest.get(enterprise_id, ()),
            dimensions=dimensions,
        )
        subjects.append(
            engine.SubjectInput(
                key=f"sme:{enterprise_id}",
                text=text.terms,
                bigrams=text.bigrams,
                **base(enterprise_id),
            )
        )
    return subjects


def matching_inputs_load(*, cluster: Cluster, scope: list[str]) -> MatchingInputs:
    """The engine's inputs for a run: every offering, the run's subjects, and each offering's slots.

    An offering's slots are its free capacity times the cluster's `slots_per_capacity`, less the
    recommendations it already holds for subjects outside this run (those are not rewritten).
    """
    settings = weights_for(cluster=cluster)
    dimensions = questionnaire_load(CURRENT_VERSION)["dimensions"]
    offerings = offering_inputs(cluster=cluster, dimensions=dimensions)
    demand_ids, sme_ids = subjects_in_scope(cluster=cluster, scope=scope)
    subjects = subject_inputs(cluster=cluster, demand_ids=demand_ids, sme_ids=sme_ids, dimensions=dimensions)
    held = {}
    if scope:
        outside = Recommendation.objects.filter(cluster=cluster)
        demand_keys = [s.key.split(":", 1)[1] for s in subjects if s.key.startswith("demand:")]
        sme_keys = [s.sme_id for s in subjects if s.key.startswith("sme:")]
        outside = outside.exclude(demand_id__in=demand_keys).exclude(
            Q(demand__isnull=True, sme_id__in=sme_keys)
        )
        held = {
            str(offering_id): n
            for offering_id, n in outside.values("offering_id")
            .annotate(n=Count("id"))
            .values_list("offering_id", "n")
        }
    slots = [max(0, o.free_capacity * settings.slots_per_capacity - held.get(o.id, 0)) for o in offerings]
    return MatchingInputs(
        offerings=offerings,
        subjects=subjects,
        slots=slots,
        top_n=settings.top_n,
        weights=settings.scoring_weights(),
    )


def subjects_in_scope(*, cluster: Cluster, scope: list[str]) -> tuple[set | None, set | None]:
    """(demand ids, SME ids) a scope names; (None, None) for the whole cluster.

    "offering:<id>" names everyone the offering could now suit or no longer suits: the SMEs and
    demands that hold a recommendation of it, the open demands in its category family, and the
    SMEs in the industries it targets (every SME when it targets none).
    """
    if not scope:
        return None, None
    demand_ids, sme_ids = set(), set()
    for key in scope:
        kind, _, value = key.partition(":")
        if kind == "demand":
            demand_ids.add(value)
        elif kind == "sme":
            sme_ids.add(value)
            demand_ids.update(
                str(pk)
                for pk in Demand.objects.filter(
                    cluster=cluster, sme_id=value, status=DemandStatus.OPEN
                ).values_list("pk", flat=True)
            )
        elif kind == "offering":
            _offering_audience(cluster=cluster, offering_id=value, demand_ids=demand_ids, sme_ids=sme_ids)
    return demand_ids, sme_ids


def _offering_audience(*, cluster: Cluster, offering_id: str, demand_ids: set, sme_ids: set) -> None:
    held = Recommendation.objects.filter(cluster=cluster, offering_id=offering_id)
    demand_ids.update(str(pk) for pk in held.exclude(demand__isnull=True).values_list("demand_id", flat=True))
    sme_ids.update(str(pk) for pk in held.filter(demand__isnull=True).values_list("sme_id", flat=True))
    offering = (
        Offering.objects.filter(cluster=cluster, pk=offering_id, status=OfferingStatus.PUBLISHED)
        .select_related("category")
        .first()
    )
    if offering is None:
        return
    family = {offering.category_id}
    if offering.category.parent_id:
        family.add(offering.category.parent_id)
    demand_ids.update(
        str(pk)
        for pk in Demand.objects.filter(cluster=cluster, status=DemandStatus.OPEN)
        .filter(Q(categories__in=family) | Q(categories__parent__in=family) | Q(categories__isnull=True))
        .values_list("pk", flat=True)
        .distinct()
    )
    members = Membership.objects.filter(
        cluster=cluster, role=MembershipRole.SME, status=MembershipStatus.APPROVED
    )
    if offering.target_industries:
        industry = Q()
        for prefix in offering.target_industries:
            industry |= Q(enterprise__industry_code__startswith=prefix)
        members = members.filter(industry)
    sme_ids.update(str(pk) for pk in members.values_list("enterprise_id", flat=True))


# --- API reads ------------------------------------------------------------------------------


def recommendation_list(*, cluster: Cluster, sme_ids=None) -> QuerySet[Recommendation]:
    """The cluster's recommendations (only those of `sme_ids` when given), for the API; those of
    a partner out of good standing are held back until it is reinstated (or the next run drops them)."""
    queryset = Recommendation.objects.filter(partner_in_good_standing(), cluster=cluster).select_related(
        "offering", "offering__category", "partner", "sme", "demand"
    )
    if sme_ids is not None:
        queryset = queryset.filter(sme_id__in=sme_ids)
    return queryset.order_by("demand_id", "sme_id", "rank", "id")


def match_run_list(*, cluster: Cluster) -> QuerySet[MatchRun]:
    return (
        MatchRun.objects.filter(cluster=cluster).select_related("requested_by").order_by("-created_at", "-id")
    )


def matching_funnel(*, cluster: Cluster) -> dict:
    """Recommended -> requested -> completed, per category and per partner.

    Recommended counts the distinct (SME, offering) pairs recommended now or answered before;
    requested counts the engagements created from a recommendation ("interested"); completed,
    those of them that were completed.
    """
    pairs = set(
        Recommendation.objects.filter(cluster=cluster).values_list("sme_id", "offering_id").distinct()
    )
    feedback = RecommendationFeedback.objects.filter(cluster=cluster)
    pairs |= set(feedback.values_list("sme_id", "offering_id"))
    offering_rows = {
        pk: (category, category_name, partner, partner_name)
        for pk, category, category_name, partner, partner_name in Offering.objects.filter(
            cluster=cluster, pk__in={offering for _sme, offering in pairs}
        ).values_list("pk", "category_id", "category__name", "partner_id", "partner__name")
    }
    requested = feedback.filter(kind=FeedbackKind.INTERESTED, engagement__isnull=False).values_list(
        "offering_id", "engagement__status"
    )
    by_category: dict = {}
    by_partner: dict = {}
    total = {"recommended": 0, "requested": 0, "completed": 0}

    def bump(offering_id, field):
        row = offering_rows.get(offering_id)
        if row is None:
            return
        category, category_name, partner, partner_name = row
        for table, key, name in (
            (by_category, category, category_name),
            (by_partner, str(partner), partner_name),
        ):
            entry = table.setdefault(
                key, {"key": key, "name": name, "recommended": 0, "requested": 0, "completed": 0}
            )
            entry[field] += 1
        total[field] += 1

    for _sme, offering_id in pairs:
        bump(offering_id, "recommended")
    for offering_id, status in requested:
        bump(offering_id, "requested")
        if status == EngagementStatus.COMPLETED:
            bump(offering_id, "completed")

    def ordered(table):
        return sorted(table.values(), key=lambda entry: (-entry["recommended"], str(entry["key"])))

    return {"total": total, "by_category": ordered(by_category), "by_partner": ordered(by_partner)}


# Dismissals that say nothing about fit: the SME already has a provider for it.
UNINFORMATIVE_DISMISSALS = (DismissReason.ALREADY_SERVED,)


def feedback_examples_load(*, cluster: Cluster) -> list[learning.FeedbackExample]:
    """The cluster's answered recommendations as learning examples: interested (an engagement was
    requested) is wanted, dismissed is not, except dismissals that are not about fit."""
    rows = (
        RecommendationFeedback.objects.filter(cluster=cluster)
        .exclude(values={})
        .exclude(kind=FeedbackKind.DISMISSED, reason__in=UNINFORMATIVE_DISMISSALS)
        .order_by("created_at", "id")
        .values_list("values", "kind", "created_at")
    )
    return [
        learning.FeedbackExample(
            values=values, wanted=kind == FeedbackKind.INTERESTED, order=created.isoformat()
        )
        for values, kind, created in rows
    ]
