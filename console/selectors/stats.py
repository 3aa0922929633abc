"""The cluster KPIs: the figures the model platforms publish, each computed by PostgreSQL.

Every figure is an aggregate over the rows of a *set* of clusters: one cluster for its agency,
several for a platform operator's group (the six Guangdong platforms report together). Counting
over the set, rather than adding the clusters' figures, counts an enterprise that is a member of
two of the clusters once.

Each figure has a monthly series over calendar months in the platform's time zone:

- a *stock* (members, users, services, partners, machines) counts the rows in their current
  state that had entered it by the end of the month (a membership by its decision, an offering by
  its publication); the platform keeps no history of states, so a row withdrawn since does not
  show in earlier months either;
- a *flow* (bookings, engagements, recommendations, reviews) counts the rows of that month.

A series is one query of conditional aggregates, one per month, whatever the number of rows.

Other apps add figures without this module knowing them: an installed app with a module
`<app>/stats.py` that defines `FIGURES = {"name": provider}` (a provider takes a `StatsScope` and
returns a JSON-able dict with the same conventions) and, optionally, `TRANSFORMATION_STARTS = [start]`
(a start takes a `StatsScope` and returns an expression: the first time the enterprise
`OuterRef("pk")` started its digital transformation in a way that app knows, a redeemed voucher
for instance). See docs/console.md.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date, timedelta

from django.apps import apps
from django.db.models import (
    Avg,
    CharField,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, Greatest, Least, Substr
from django.utils import timezone

from cluster_platform.models import Cluster, ClusterStaff, Notification, User
from cluster_platform.monthly import (
    StatsScope,
    cumulative_series,
    grouped_counts,
    month_range,
    monthly_series,
    next_month,
    rounded,
)
from enterprises.models import (
    Assessment,
    Enterprise,
    EnterpriseUser,
    Membership,
    MembershipRole,
    MembershipStatus,
)
from matching.models import Recommendation
from policies.eligibility.calculator import live_policies, region_scope_codes
from policies.eligibility.notifications import KIND_ELIGIBLE
from services import slots
from services.models import (
    Booking,
    BookingStatus,
    Category,
    Engagement,
    EngagementEvent,
    EngagementStatus,
    Machine,
    MachineApproval,
    Offering,
    OfferingStatus,
    Review,
)

# Top-level categories whose offerings are "application services" (应用服务): software the
# enterprise uses itself, as opposed to consulting, testing or finance delivered to it.
APPLICATION_CATEGORY_ROOTS = ("cloud-saas", "industrial-internet", "ai")
MAX_MONTHS = 36
TOP_CATEGORIES = 10


def stats_scope(*, clusters: list[Cluster], first: date, last: date, today: date | None = None) -> StatsScope:
    return StatsScope(
        cluster_ids=tuple(sorted(cluster.pk for cluster in clusters)),
        months=month_range(first, last),
        today=today or timezone.localdate(),
    )


# --- Row sets shared by several figures ------------------------------------------------------------


def approved_memberships(scope: StatsScope) -> QuerySet[Membership]:
    return Membership.objects.filter(cluster_id__in=scope.cluster_ids, status=MembershipStatus.APPROVED)


def member_enterprises(scope: StatsScope, *, role: str | None = None) -> QuerySet[Enterprise]:
    """Enterprises with an approved membership (in `role`, if given) in any of the clusters,
    each with `joined_at`: when its first such membership was decided."""
    memberships = approved_memberships(scope).filter(enterprise=OuterRef("pk"))
    if role:
        memberships = memberships.filter(role=role)
    first_joined = (
        memberships.annotate(at=Coalesce("decided_at", "created_at")).order_by("at").values("at")[:1]
    )
    return Enterprise.objects.filter(Exists(memberships)).annotate(joined_at=Subquery(first_joined))


def _assessments(scope: StatsScope) -> QuerySet[Assessment]:
    return Assessment.objects.filter(cluster_id__in=scope.cluster_ids, enterprise=OuterRef("pk"))


# --- The figures ---------------------------------------------------------------------------------


def figure_users(scope: StatsScope) -> dict:
    """Registered users: the active users of the member enterprises and the agency's staff."""
    of_members = EnterpriseUser.objects.filter(
        user=OuterRef("pk"),
        enterprise__memberships__cluster_id__in=scope.cluster_ids,
        enterprise__memberships__status=MembershipStatus.APPROVED,
    )
    staff = ClusterStaff.objects.filter(user=OuterRef("pk"), cluster_id__in=scope.cluster_ids)
    users = User.objects.filter(is_active=True).filter(Exists(of_members) | Exists(staff))
    return {"total": users.count(), "series": cumulative_series(users, at="date_joined", scope=scope)}


def figure_members(scope: StatsScope) -> dict:
    """Member enterprises, by role, size class, industry section (GB/T 4754) and city (GB/T 2260)."""
    enterprises = member_enterprises(scope)
    return {
        "total": enterprises.count(),
        "by_role": grouped_counts(approved_memberships(scope), "role", "enterprise"),
        "by_size_class": grouped_counts(enterprises, "size_class", blank="unclassified"),
        "by_industry_section": grouped_counts(
            enterprises.annotate(section=Substr("industry_code", 1, 1)), "section", blank="unknown"
        ),
        "by_region": grouped_counts(
            enterprises.annotate(
                city=Concat(Substr("region_code", 1, 4), Value("00"), output_field=CharField())
            ),
            "city",
            blank="unknown",
        ),
        "series": cumulative_series(enterprises, at="joined_at", scope=scope),
        "sme_series": cumulative_series(
            member_enterprises(scope, role=MembershipRole.SME), at="joined_at", scope=scope
        ),
    }


def transformation_starts(scope: StatsScope) -> list:
    """Expressions for when the enterprise OuterRef("pk") started its digital transformation in
    the clusters: its first accepted engagement, its first assessment, and whatever other apps add."""
    first_accepted = (
        EngagementEvent.objects.filter(
            cluster_id__in=scope.cluster_ids,
            to_status=EngagementStatus.ACCEPTED,
            engagement__sme=OuterRef("pk"),
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )
    first_assessment = _assessments(scope).order_by("created_at").values("created_at")[:1]
    starts = [Subquery(first_accepted), Subquery(first_assessment)]
    for module in _contributions():
        starts += [start(scope) for start in getattr(module, "TRANSFORMATION_STARTS", [])]
    return starts


def figure_transformation(scope: StatsScope) -> dict:
    """Enterprises that started digital transformation (an accepted engagement, a first
    assessment, or another app's start such as a redeemed voucher), and how many of them have
    since reached a higher maturity level than at their first assessment."""
    # PostgreSQL's LEAST ignores NULLs: the earliest of the starts the enterprise has.
    started_at = Least(*transformation_starts(scope), output_field=DateTimeField())
    first_level = _assessments(scope).order_by("created_at", "id").values("level")[:1]
    higher = (
        Assessment.objects.filter(
            cluster_id__in=scope.cluster_ids, enterprise=OuterRef("pk"), level__gt=OuterRef("first_level")
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )
    candidates = Enterprise.objects.filter(
        Exists(Membership.objects.filter(cluster_id__in=scope.cluster_ids, enterprise=OuterRef("pk")))
    ).annotate(started_at=started_at, first_level=Subquery(first_level))
    started = candidates.filter(started_at__isnull=False).annotate(uplifted_at=Subquery(higher))
    uplifted = started.filter(uplifted_at__isnull=False)
    return {
        "started": started.count(),
        "uplifted": uplifted.count(),
        "series": cumulative_series(started, at="started_at", scope=scope),
        "uplifted_series": cumulative_series(uplifted, at="uplifted_at", scope=scope),
    }


def figure_services(scope: StatsScope) -> dict:
    """Published offerings by delivery mode, the application services among them, top categories."""
    published = Offering.objects.filter(cluster_id__in=scope.cluster_ids, status=OfferingStatus.PUBLISHED)
    application = published.filter(
        Q(category_id__in=APPLICATION_CATEGORY_ROOTS) | Q(category__parent_id__in=APPLICATION_CATEGORY_ROOTS)
    )
    by_root = (
        published.annotate(root=Coalesce("category__parent_id", "category_id"))
        .order_by()
        .values("root")
        .annotate(n=Count("pk"))
        .order_by("-n", "root")[:TOP_CATEGORIES]
    )
    names = {c.code: c for c in Category.objects.filter(code__in=[row["root"] for row in by_root])}
    return {
        "total": published.count(),
        "by_delivery_mode": grouped_counts(published, "delivery_mode"),
        "application_services": application.count(),
        "top_categories": [
            {
                "code": row["root"],
                "name": names[row["root"]].name,
                "name_en": names[row["root"]].name_en,
                "count": row["n"],
            }
            for row in by_root
        ],
        "series": cumulative_series(published, at="published_at", scope=scope),
        "application_series": cumulative_series(application, at="published_at", scope=scope),
    }


def figure_partners(scope: StatsScope) -> dict:
    """Ecosystem partners (approved partner memberships), by tier."""
    partners = approved_memberships(scope).filter(role=MembershipRole.PARTNER)
    return {
        "total": partners.values("enterprise").distinct().count(),
        "by_tier": grouped_counts(partners, "partner_tier", "enterprise", blank="untiered"),
        "series": cumulative_series(
            member_enterprises(scope, role=MembershipRole.PARTNER), at="joined_at", scope=scope
        ),
    }


def _approved_machines(scope: StatsScope) -> QuerySet[Machine]:
    return Machine.objects.filter(
        cluster_id__in=scope.cluster_ids, approval=MachineApproval.APPROVED
    ).annotate(approved_at=Coalesce("decided_at", "created_at"))


def figure_machines(scope: StatsScope) -> dict:
    """Approved shared machines, by status and kind."""
    machines = _approved_machines(scope)
    return {
        "total": machines.count(),
        "by_status": grouped_counts(machines, "status"),
        "by_kind": grouped_counts(machines, "kind"),
        "series": cumulative_series(machines, at="approved_at", scope=scope),
    }


def figure_bookings(scope: StatsScope) -> dict:
    """Confirmed bookings per month (by start), their hours clipped to the month, and utilisation:
    booked hours over the opening hours of the machines approved by the month's end."""
    confirmed = Booking.objects.filter(cluster_id__in=scope.cluster_ids, status=BookingStatus.CONFIRMED)
    counts = monthly_series(confirmed, at="start", scope=scope, make=lambda q: Count("pk", filter=q))
    hours_aggregates = {}
    for index, (start, end) in enumerate(scope.bounds):
        clipped = ExpressionWrapper(
            Least(F("end"), end) - Greatest(F("start"), start), output_field=DurationField()
        )
        hours_aggregates[f"m{index}"] = Sum(clipped, filter=Q(start__lt=end, end__gt=start))
    booked = confirmed.order_by().aggregate(**hours_aggregates)
    hours = [
        (booked[f"m{i}"].total_seconds() / 3600 if booked[f"m{i}"] else 0.0) for i in range(len(scope.months))
    ]
    # Opening hours are weekly windows kept as JSON on each machine (a few hundred per cluster):
    # a month's bookable hours are a dot product of the windows with the month's weekday counts.
    machines = list(_approved_machines(scope).values_list("approved_at", "opening_hours"))
    bookable = []
    for start_day, (_start, end) in zip(scope.months, scope.bounds, strict=True):
        weekdays = [0] * 7
        for day in slots.days(start_day, next_month(start_day) - timedelta(days=1)):
            weekdays[day.weekday()] += 1
        minutes = sum(
            (close - open_) * weekdays[weekday]
            for approved_at, opening_hours in machines
            if approved_at < end
            for weekday, (open_, close) in slots.opening_windows(opening_hours).items()
        )
        bookable.append(minutes / 60)
    return {
        "total": sum(counts),
        "hours": rounded(sum(hours)),
        "utilisation": slots.utilisation(sum(hours), sum(bookable)),
        "series": counts,
        "hours_series": [rounded(value) for value in hours],
        "utilisation_series": [slots.utilisation(h, b) for h, b in zip(hours, bookable, strict=True)],
    }


def figure_policies(scope: StatsScope) -> dict:
    """Live policies that apply to the clusters (their local ones, and library policies of their
    regions and the nation), and the member enterprises the proactive policy matching has found
    eligible for at least one policy (library or the clusters' own; its notifications record it)."""
    clusters = Cluster.objects.filter(pk__in=scope.cluster_ids).values_list("region_code", flat=True)
    region_scopes = sorted({code for region in clusters for code in region_scope_codes(region)})
    applicable = live_policies(today=scope.today).filter(
        Q(cluster__isnull=True, region_code__in=region_scopes) | Q(cluster_id__in=scope.cluster_ids)
    )
    first_match = (
        Notification.objects.filter(
            Q(cluster__isnull=True) | Q(cluster_id__in=scope.cluster_ids),
            kind=KIND_ELIGIBLE,
            user__enterprise_links__enterprise=OuterRef("pk"),
            dedup_key__endswith=Concat(
                Value(":"), Cast(OuterRef("pk"), CharField()), output_field=CharField()
            ),
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )
    qualifying = (
        member_enterprises(scope).annotate(matched_at=Subquery(first_match)).filter(matched_at__isnull=False)
    )
    return {
        "applicable": applicable.count(),
        "members_qualifying": qualifying.count(),
        "members_qualifying_series": cumulative_series(qualifying, at="matched_at", scope=scope),
    }


def figure_funnel(scope: StatsScope) -> dict:
    """The matching funnel over the months: recommendations made, engagements requested,
    accepted and completed (each counted in the month it happened)."""
    ids = scope.cluster_ids

    def count(queryset):
        return monthly_series(queryset, at="created_at", scope=scope, make=lambda q: Count("pk", filter=q))

    stages = {
        "recommended": count(Recommendation.objects.filter(cluster_id__in=ids)),
        "requested": count(Engagement.objects.filter(cluster_id__in=ids)),
        "accepted": count(
            EngagementEvent.objects.filter(cluster_id__in=ids, to_status=EngagementStatus.ACCEPTED)
        ),
        "completed": count(
            EngagementEvent.objects.filter(cluster_id__in=ids, to_status=EngagementStatus.COMPLETED)
        ),
    }
    return {
        **{stage: sum(series) for stage, series in stages.items()},
        **{f"{stage}_series": series for stage, series in stages.items()},
    }


def figure_rating(scope: StatsScope) -> dict:
    """Reviews of delivered services: the average rating ever, and per month."""
    reviews = Review.objects.filter(cluster_id__in=scope.cluster_ids)
    overall = reviews.aggregate(average=Avg("rating"), count=Count("pk"))
    averages = monthly_series(reviews, at="created_at", scope=scope, make=lambda q: Avg("rating", filter=q))
    return {
        "average": rounded(overall["average"]),
        "count": overall["count"],
        "series": [rounded(value) for value in averages],
        "count_series": monthly_series(
            reviews, at="created_at", scope=scope, make=lambda q: Count("pk", filter=q)
        ),
    }


def figure_maturity(scope: StatsScope) -> dict:
    """Digital maturity of the enterprises assessed in the clusters: the distribution of their
    latest level, and the uplift from their first assessment to their latest."""
    latest = _assessments(scope).order_by("-created_at", "-id")
    first = _assessments(scope).order_by("created_at", "id")
    assessed = Enterprise.objects.filter(
        Exists(Assessment.objects.filter(cluster_id__in=scope.cluster_ids, enterprise=OuterRef("pk")))
    ).annotate(
        latest_id=Subquery(latest.values("id")[:1]),
        first_id=Subquery(first.values("id")[:1]),
        latest_level=Subquery(latest.values("level")[:1]),
        latest_score=Subquery(latest.values("score")[:1]),
        first_score=Subquery(first.values("score")[:1]),
        first_at=Subquery(first.values("created_at")[:1]),
    )
    reassessed = ~Q(latest_id=F("first_id"))
    uplift = assessed.aggregate(
        reassessed=Count("pk", filter=reassessed),
        average=Avg(
            ExpressionWrapper(F("latest_score") - F("first_score"), output_field=FloatField()),
            filter=reassessed,
        ),
    )
    distribution = {str(level): 0 for level in range(5)}
    distribution.update(grouped_counts(assessed, "latest_level"))
    monthly_scores = monthly_series(
        Assessment.objects.filter(cluster_id__in=scope.cluster_ids),
        at="created_at",
        scope=scope,
        make=lambda q: Avg("score", filter=q),
    )
    return {
        "assessed": assessed.count(),
        "distribution": distribution,
        "reassessed": uplift["reassessed"],
        "average_uplift": rounded(uplift["average"]),
        "series": cumulative_series(assessed, at="first_at", scope=scope),
        "average_score_series": [rounded(value) for value in monthly_scores],
    }


FIGURES: dict[str, Callable[[StatsScope], dict]] = {
    "users": figure_users,
    "members": figure_members,
    "transformation": figure_transformation,
    "services": figure_services,
    "partners": figure_partners,
    "machines": figure_machines,
    "bookings": figure_bookings,
    "policies": figure_policies,
    "funnel": figure_funnel,
    "rating": figure_rating,
    "maturity": figure_maturity,
}


def _contributions() -> list:
    """The `<app>.stats` modules of the other installed apps (vouchers, devices, ...)."""
    modules = []
    for config in apps.get_app_configs():
        if config.name == "console":
            continue
        try:
            modules.append(importlib.import_module(f"{config.name}.stats"))
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.stats":
                raise
    return modules


def stats_compute(scope: StatsScope) -> dict:
    """Every figure for the scope, this app's and the other apps' (keyed by their names)."""
    figures = {name: provider(scope) for name, provider in FIGURES.items()}
    for module in _contributions():
        for name, provider in getattr(module, "FIGURES", {}).items():
            figures[name] = provider(scope)
    return figures
