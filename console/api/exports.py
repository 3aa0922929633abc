"""The exports, one table: each names its rows, the list filters it takes, and its columns.

An export mirrors a list endpoint: it takes the same FilterSet (so `?status=pending` means the
same thing in both, and a bad value is the same 400), which is why the table lives in the HTTP
layer. The rows are the cluster's rows of `model` unless a selector says otherwise; the view
(console/api/views/exports.py) adds the cluster filter like every cluster-scoped view.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cluster_platform.api.cluster_views import AuditLogFilter
from cluster_platform.models import AuditLog, Cluster, Notification
from console.selectors.exports import Column, policy_match_list
from enterprises.api.cluster_views import MembershipFilter
from enterprises.models import Membership, MembershipRole, MembershipStatus, PartnerTier, SizeClass
from policies.models import PolicyLevel
from services.api.filters import DemandFilter, OfferingFilter
from services.api.views.engagements import EngagementFilter
from services.api.views.equipment import BookingFilter
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


@dataclass(frozen=True)
class Export:
    name: str  # the URL segment: /exports/{name}/csv/
    title: object  # the sheet's title, translatable
    model: type[Model]
    columns: tuple[Column, ...]
    filterset: type | None = None  # the FilterSet of the list this export mirrors
    # The rows before the cluster filter; by default every row of `model`.
    rows: Callable[[Cluster], QuerySet] | None = None
    order: tuple[str, ...] = field(default=("-created_at", "-id"))
    # Rows without a cluster that the selector has already confined to this cluster's concern
    # (library policies' match notifications carry no cluster).
    includes_platform_rows: bool = False

    def base_rows(self, cluster: Cluster) -> QuerySet:
        """The rows before the cluster condition and the filters."""
        return self.rows(cluster) if self.rows is not None else self.model._default_manager.all()

    def cluster_condition(self, cluster: Cluster) -> Q:
        if self.includes_platform_rows:
            return Q(cluster=cluster) | Q(cluster__isnull=True)
        return Q(cluster=cluster)


EXPORTS: tuple[Export, ...] = (
    Export(
        name="members",
        title=_("Members"),
        model=Membership,
        filterset=MembershipFilter,
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
    ),
    Export(
        name="offerings",
        title=_("Offerings"),
        model=Offering,
        filterset=OfferingFilter,
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
    ),
    Export(
        name="demands",
        title=_("Demands"),
        model=Demand,
        filterset=DemandFilter,
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
    ),
    Export(
        name="engagements",
        title=_("Engagements"),
        model=Engagement,
        filterset=EngagementFilter,
        columns=(
            Column(_("offering"), "offering__title"),
            Column(_("SME"), "sme__name"),
            Column(_("partner"), "partner__name"),
            Column(_("status"), "status", EngagementStatus),
            Column(_("created at"), "created_at"),
            Column(_("updated at"), "updated_at"),
            Column(_("engagement id"), "id"),
        ),
    ),
    Export(
        name="bookings",
        title=_("Bookings"),
        model=Booking,
        filterset=BookingFilter,
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
    ),
    Export(
        name="policy-matches",
        title=_("Policy matches"),
        model=Notification,
        rows=lambda cluster: policy_match_list(cluster=cluster),
        includes_platform_rows=True,
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
    ),
    Export(
        name="audit-log",
        title=_("Audit log"),
        model=AuditLog,
        filterset=AuditLogFilter,
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
    ),
)
EXPORTS_BY_NAME = {export.name: export for export in EXPORTS}
