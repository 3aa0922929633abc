from decimal import Decimal

from django.contrib.postgres.search import SearchQueryField, SearchRank
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce

from cluster_platform.models import Cluster
from cluster_platform.reference.industries import industry_chain
from cluster_platform.reference.regions import region_chain
from cluster_platform.search import tsquery_literal
from cluster_platform.selectors import ClusterRoles
from enterprises.models import Enterprise
from enterprises.selectors.memberships import partner_ids_in_good_standing
from services.models import (
    Offering,
    OfferingRevision,
    OfferingStatus,
    PriceModel,
    RevisionStatus,
)
from services.selectors.categories import category_descendant_codes

# ts_rank_cd weights for D, C, B, A (PostgreSQL's order): title >> summary/tags > description > category.
SEARCH_WEIGHTS = [0.05, 0.2, 0.4, 1.0]
# ts_rank_cd normalisation 1: divide by 1 + log(document length), so a long description that
# repeats a word does not outrank a short offering that has it in its title.
SEARCH_NORMALISATION = 1


class _Matches(Func):
    """`vector @@ query` as a boolean expression usable in filter()."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def _tsquery(literal: str):
    return Cast(Value(literal), SearchQueryField())


def offering_visible(*, cluster: Cluster, roles: ClusterRoles) -> QuerySet[Offering]:
    """The offerings of `cluster` this caller may read.

    Published ones of partners in good standing are public (anonymous included); the agency
    sees every state; a partner
    also sees its own drafts, pending, rejected and withdrawn offerings.
    """
    offerings = Offering.objects.filter(cluster=cluster)
    if roles.is_staff:
        return offerings
    # A published offering is public only while its partner is in good standing (not suspended,
    # accreditation not ended); the partner itself still sees all of its own.
    public = Q(partner_id__in=partner_ids_in_good_standing(cluster=cluster), status=OfferingStatus.PUBLISHED)
    if not roles.partner_enterprise_ids:
        return offerings.filter(public)
    return offerings.filter(public | Q(partner_id__in=roles.partner_enterprise_ids))


def offering_with_relations(
    queryset: QuerySet[Offering], *, pending_revisions: bool = True
) -> QuerySet[Offering]:
    """Offerings with what they are shown with: the category, the partner's name and, for the
    readers who may see it (the agency, the offering's partner), the pending revision.

    Neither the search vector (kilobytes per offering, matched in SQL only) nor the partner's
    other columns (profile, figures, contacts) are read: on a page of the catalog they were
    most of the bytes fetched and converted, for nothing shown.
    """
    partner_unshown = [
        f"partner__{field.name}"
        for field in Enterprise._meta.concrete_fields
        if field.name not in ("id", "name")
    ]
    queryset = queryset.select_related("category", "partner").defer("search_vector", *partner_unshown)
    if not pending_revisions:
        return queryset
    pending = OfferingRevision.objects.filter(status=RevisionStatus.PENDING).order_by("created_at", "id")
    return queryset.prefetch_related(Prefetch("revisions", queryset=pending, to_attr="pending_revisions"))


def offering_filter(
    queryset: QuerySet[Offering],
    *,
    category: str | None = None,
    delivery_mode: str | None = None,
    industry: str | None = None,
    size_class: str | None = None,
    region: str | None = None,
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
    voucher_eligible: bool | None = None,
    partner=None,
    status: str | None = None,
) -> QuerySet[Offering]:
    """Narrow offerings by what an enterprise looks for. Empty targets mean "any"."""
    if category:
        queryset = queryset.filter(category_id__in=category_descendant_codes(code=category))
    if delivery_mode:
        queryset = queryset.filter(delivery_mode=delivery_mode)
    if industry:
        # An offering targeting "C39" serves an enterprise in "C3982": match any prefix.
        prefixes = [industry[:length] for length in (1, 3, 4, 5) if length <= len(industry)]
        prefixes = sorted(set(prefixes) | set(industry_chain(industry)))
        queryset = queryset.filter(Q(target_industries=[]) | Q(target_industries__overlap=prefixes))
    if size_class:
        queryset = queryset.filter(Q(target_size_classes=[]) | Q(target_size_classes__contains=[size_class]))
    if region:
        # Serving a province serves its cities and districts; serving nowhere in particular serves all.
        queryset = queryset.filter(Q(regions_served=[]) | Q(regions_served__overlap=region_chain(region)))
    if price_max is not None:
        # Affordable within the budget: free, or the lowest price is within it.
        queryset = queryset.filter(Q(price_model=PriceModel.FREE) | Q(price_min__lte=price_max))
    if price_min is not None:
        # Reaches the amount: the highest price is at least it, or the price is open-ended.
        open_ended = Q(price_max__isnull=True, price_min__isnull=False)
        free_at_zero = Q(price_model=PriceModel.FREE) if price_min <= 0 else Q(pk__in=[])
        queryset = queryset.filter(Q(price_max__gte=price_min) | open_ended | free_at_zero)
    if voucher_eligible is not None:
        queryset = queryset.filter(voucher_eligible=voucher_eligible)
    if partner:
        queryset = queryset.filter(partner_id=partner)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def offering_search(queryset: QuerySet[Offering], *, text: str) -> QuerySet[Offering]:
    """Offerings matching every word of `text`, annotated with `relevance`.

    When no offering holds every word, fall back to offerings holding any of them (ranked
    by how well they match), so that a person always sees the nearest services first.
    A text without a searchable word (punctuation only) matches nothing.
    """
    literal = tsquery_literal(text, mode="and")
    if literal is None:
        return queryset.none().annotate(relevance=Value(0.0))
    matched = queryset.filter(_Matches(F("search_vector"), _tsquery(literal)))
    if not matched.exists():
        literal = tsquery_literal(text, mode="or")
        matched = queryset.filter(_Matches(F("search_vector"), _tsquery(literal)))
    return matched.annotate(
        relevance=SearchRank(
            F("search_vector"),
            _tsquery(literal),
            weights=SEARCH_WEIGHTS,
            normalization=Value(SEARCH_NORMALISATION),
            cover_density=True,
        )
    )


OFFERING_ORDERINGS = {
    "relevance": ["-relevance", "-rating_bayes", "-published_at", "id"],
    "rating": ["-rating_bayes", "-rating_count", "-published_at", "id"],
    "newest": [F("published_at").desc(nulls_last=True), "-created_at", "id"],
}


def offering_order(
    queryset: QuerySet[Offering], *, ordering: str | None, searching: bool
) -> QuerySet[Offering]:
    """Order by relevance (only when searching; the default then), rating or newest (the default)."""
    if ordering not in OFFERING_ORDERINGS or (ordering == "relevance" and not searching):
        ordering = "relevance" if searching else "newest"
    return queryset.order_by(*OFFERING_ORDERINGS[ordering])


def offering_moderation_queue(*, cluster: Cluster) -> QuerySet[Offering]:
    """What awaits the agency's review, oldest first: pending offerings and published ones with a pending revision.

    Each row is an offering annotated with `queued_at` (when its pending item was submitted).
    """
    pending_revisions = OfferingRevision.objects.filter(
        offering=OuterRef("pk"), status=RevisionStatus.PENDING
    )
    pending_revision = pending_revisions.values("created_at")[:1]
    return offering_with_relations(
        Offering.objects.filter(cluster=cluster)
        .filter(Q(status=OfferingStatus.PENDING) | Exists(pending_revisions))
        .annotate(queued_at=Coalesce(Subquery(pending_revision), F("submitted_at"), F("updated_at")))
    ).order_by("queued_at", "id")


def offering_revision_visible(*, cluster: Cluster, roles: ClusterRoles) -> QuerySet[OfferingRevision]:
    """Revisions are seen by the agency and by the partner that proposed them."""
    revisions = OfferingRevision.objects.filter(cluster=cluster)
    if not roles.is_staff:
        revisions = revisions.filter(offering__partner_id__in=roles.partner_enterprise_ids)
    return revisions.select_related("offering", "offering__category", "offering__partner").order_by(
        "created_at", "id"
    )
