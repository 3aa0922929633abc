"""What each export holds: its rows (a cluster's queryset, as the agency sees it) and its columns.

A column is an ORM path read with `values_list`, so an export is one query streamed through a
server-side cursor, whatever its size; no model instances are built. Headers are the columns'
translatable names, resolved in the request's language by the caller; choice values are
shown as their labels in that language.
"""

from dataclasses import dataclass, field

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Subquery, UUIDField
from django.db.models.functions import Cast, Right
from django.utils.translation import gettext_lazy as _

from cluster_platform.models import AuditLog, Cluster, Notification
from enterprises.models import (
    Enterprise,
    Membership,
    MembershipRole,
    MembershipStatus,
    PartnerTier,
    SizeClass,
)
from policies.eligibility.notifications import KIND_ELIGIBLE
from policies.models import Policy, PolicyLevel
from services.models import (
    Booking,
    BookingStatus,
    DeliveryMode,
    Demand,
    DemandStatus,
    Engagement,
    EngagementStatus,
    Offering,
    OfferingStatus,
    PriceModel,
)

CHUNK_ROWS = 2000


@dataclass(frozen=True)
class Column:
    header: object  # a lazy translatable string
    path: str
    choices: type | None = None  # a TextChoices class whose labels replace the values


@dataclass(frozen=True)
class Dataset:
    name: str
    title: object
    columns: tuple[Column, ...]
    order: tuple[str, ...] = field(default=("-created_at", "-id"))

    def header(self) -> list[str]:
        """Column titles in the active language."""
        return [str(column.header) for column in self.columns]

    def rows(self, queryset: QuerySet):
        """The rows as tuples, streamed from a server-side cursor, choice labels in the active
        language (resolved now, so a generator consumed later does not depend on it)."""
        labels = [
            (index, {value: str(label) for value, label in column.choices.choices})
            for index, column in enumerate(self.columns)
            if column.choices
        ]
        values = queryset.order_by(*self.order).values_list(*[column.path for column in self.columns])
        for row in values.iterator(chunk_size=CHUNK_ROWS):
            if labels:
                row = list(row)
                for index, mapping in labels:
                    row[index] = mapping.get(row[index], row[index])
            yield row


MEMBERS = Dataset(
    name="members",
    title=_("Members"),
    columns=(
        Column(_("enterprise"), "enterprise__name"),
        Column(_("unified social credit code"), "enterprise__uscc"),
        Column(_("role"), "role", MembershipRole),
        Column(_("status"), "status", MembershipStatus),
        Column(_("partner tier"), "partner_tier", PartnerTier),
        Column(_("size class"), "enterprise__size_class", SizeClass),
        Column(_("industry (GB/T 4754-2017)"), "enterprise__industry_code"),
        Column(_("registered region (GB/T 2260)"), "enterprise__region_code"),
        Column(_("employees"), "enterprise__employees"),
        Column(_("operating revenue (CNY)"), "enterprise__operating_revenue"),
        Column(_("digital maturity level (latest assessment)"), "enterprise__digital_maturity_level"),
        Column(_("verified at"), "enterprise__verified_at"),
        Column(_("applied at"), "created_at"),
        Column(_("decided at"), "decided_at"),
        Column(_("membership id"), "id"),
    ),
)

OFFERINGS = Dataset(
    name="offerings",
    title=_("Offerings"),
    columns=(
        Column(_("title"), "title"),
        Column(_("partner"), "partner__name"),
        Column(_("category"), "category__name"),
        Column(_("delivery mode"), "delivery_mode", DeliveryMode),
        Column(_("price model"), "price_model", PriceModel),
        Column(_("minimum price (CNY)"), "price_min"),
        Column(_("maximum price (CNY)"), "price_max"),
        Column(_("status"), "status", OfferingStatus),
        Column(_("published at"), "published_at"),
        Column(_("mean rating"), "rating_mean"),
        Column(_("reviews"), "rating_count"),
        Column(_("created at"), "created_at"),
        Column(_("offering id"), "id"),
    ),
)

DEMANDS = Dataset(
    name="demands",
    title=_("Demands"),
    columns=(
        Column(_("title"), "title"),
        Column(_("SME"), "sme__name"),
        Column(_("status"), "status", DemandStatus),
        Column(_("budget from (CNY)"), "budget_min"),
        Column(_("budget to (CNY)"), "budget_max"),
        Column(_("desired start"), "desired_start"),
        Column(_("deadline"), "deadline"),
        Column(_("visible to partners"), "visible_to_partners"),
        Column(_("created at"), "created_at"),
        Column(_("demand id"), "id"),
    ),
)

ENGAGEMENTS = Dataset(
    name="engagements",
    title=_("Engagements"),
    columns=(
        Column(_("offering"), "offering__title"),
        Column(_("SME"), "sme__name"),
        Column(_("partner"), "partner__name"),
        Column(_("status"), "status", EngagementStatus),
        Column(_("created at"), "created_at"),
        Column(_("updated at"), "updated_at"),
        Column(_("engagement id"), "id"),
    ),
)

BOOKINGS = Dataset(
    name="bookings",
    title=_("Bookings"),
    columns=(
        Column(_("machine"), "machine__name"),
        Column(_("asset code"), "machine__asset_code"),
        Column(_("SME"), "sme__name"),
        Column(_("start"), "start"),
        Column(_("end"), "end"),
        Column(_("status"), "status", BookingStatus),
        Column(_("hourly rate (CNY)"), "hourly_rate"),
        Column(_("purpose"), "purpose"),
        Column(_("booking id"), "id"),
    ),
    order=("start", "id"),
)

AUDIT_LOG = Dataset(
    name="audit-log",
    title=_("Audit log"),
    columns=(
        Column(_("time"), "created_at"),
        Column(_("actor"), "actor__email"),
        Column(_("action"), "action"),
        Column(_("target type"), "target_type"),
        Column(_("target id"), "target_id"),
        Column(_("target"), "target_repr"),
        Column(_("before"), "before"),
        Column(_("after"), "after"),
    ),
)

POLICY_MATCHES = Dataset(
    name="policy-matches",
    title=_("Policy matches"),
    columns=(
        Column(_("enterprise"), "enterprise_name"),
        Column(_("unified social credit code"), "enterprise_uscc"),
        Column(_("policy"), "policy_title"),
        Column(_("issuing authority"), "policy_issuer"),
        Column(_("level"), "policy_level", PolicyLevel),
        Column(_("maximum amount (CNY)"), "policy_max_amount"),
        Column(_("application closes"), "policy_closes"),
        Column(_("matched at"), "created_at"),
    ),
    order=("enterprise_name", "enterprise_key", "created_at", "id"),
)


def member_export_list(*, cluster: Cluster) -> QuerySet[Membership]:
    return Membership.objects.filter(cluster=cluster)


def offering_export_list(*, cluster: Cluster) -> QuerySet[Offering]:
    return Offering.objects.filter(cluster=cluster)


def demand_export_list(*, cluster: Cluster) -> QuerySet[Demand]:
    return Demand.objects.filter(cluster=cluster)


def engagement_export_list(*, cluster: Cluster) -> QuerySet[Engagement]:
    return Engagement.objects.filter(cluster=cluster)


def booking_export_list(*, cluster: Cluster) -> QuerySet[Booking]:
    return Booking.objects.filter(cluster=cluster)


def audit_log_export_list(*, cluster: Cluster) -> QuerySet[AuditLog]:
    return AuditLog.objects.filter(cluster=cluster)


def policy_match_list(*, cluster: Cluster) -> QuerySet[Notification]:
    """The policies the proactive matching found the cluster's approved members eligible for:
    one row per member and policy (library policies and the cluster's own local ones), from the
    notifications that told them, whose deduplication key names the enterprise.

    Only the first notification of each (member, policy) pair counts: an enterprise with several
    users was told once per user."""
    members = (
        Membership.objects.filter(cluster=cluster, status=MembershipStatus.APPROVED)
        .annotate(key=Cast("enterprise_id", CharField()))
        .values("key")
    )
    # The deduplication key is the (policy, enterprise) pair: keep the pair's earliest row.
    earlier = Notification.objects.filter(dedup_key=OuterRef("dedup_key")).filter(
        Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), id__lt=OuterRef("id"))
    )
    enterprise = Enterprise.objects.filter(pk=Cast(OuterRef("enterprise_key"), UUIDField()))
    policy = Policy.objects.filter(pk=Cast(OuterRef("target_id"), UUIDField()))
    return (
        Notification.objects.filter(Q(cluster__isnull=True) | Q(cluster=cluster), kind=KIND_ELIGIBLE)
        .annotate(enterprise_key=Right("dedup_key", 36))
        .filter(enterprise_key__in=members)
        .exclude(Exists(earlier))
        .annotate(
            enterprise_name=Subquery(enterprise.values("name")[:1]),
            enterprise_uscc=Subquery(enterprise.values("uscc")[:1]),
            policy_title=Subquery(policy.values("title")[:1]),
            policy_issuer=Subquery(policy.values("issuer")[:1]),
            policy_level=Subquery(policy.values("level")[:1]),
            policy_max_amount=Subquery(policy.values("max_amount")[:1]),
            policy_closes=Subquery(policy.values("application_closes")[:1]),
        )
    )
