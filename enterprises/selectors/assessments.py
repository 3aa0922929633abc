"""Reads for digital-maturity assessments, scoped to one cluster."""

from django.db.models import (
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
)

from cluster_platform.models import Cluster
from enterprises.models import Assessment, Enterprise, Membership, MembershipRole, MembershipStatus


def assessment_list(*, cluster: Cluster, enterprise_ids=None) -> QuerySet[Assessment]:
    """The cluster's assessments, newest first; only those of `enterprise_ids` when given."""
    queryset = Assessment.objects.filter(cluster=cluster).select_related("enterprise")
    if enterprise_ids is not None:
        queryset = queryset.filter(enterprise_id__in=enterprise_ids)
    return queryset.order_by("-created_at", "-id")


def assessment_uplift_list(*, cluster: Cluster) -> QuerySet[Enterprise]:
    """The cluster's approved SME members that have an assessment here, with their first and latest
    score and level and the uplift between them (one query, whatever the number of members)."""
    members = Membership.objects.filter(
        cluster=cluster, role=MembershipRole.SME, status=MembershipStatus.APPROVED
    ).values("enterprise_id")
    own = Assessment.objects.filter(cluster=cluster, enterprise_id=OuterRef("pk"))
    first = own.order_by("created_at", "id")
    latest = own.order_by("-created_at", "-id")
    return (
        Enterprise.objects.filter(Exists(own), pk__in=members)
        .annotate(
            first_assessment_id=Subquery(first.values("id")[:1]),
            first_score=Subquery(first.values("score")[:1]),
            first_level=Subquery(first.values("level")[:1]),
            first_at=Subquery(first.values("created_at")[:1]),
            latest_assessment_id=Subquery(latest.values("id")[:1]),
            latest_score=Subquery(latest.values("score")[:1]),
            latest_level=Subquery(latest.values("level")[:1]),
            latest_at=Subquery(latest.values("created_at")[:1]),
        )
        .annotate(
            score_uplift=ExpressionWrapper(
                F("latest_score") - F("first_score"),
                output_field=DecimalField(max_digits=5, decimal_places=1),
            ),
            level_uplift=ExpressionWrapper(F("latest_level") - F("first_level"), output_field=IntegerField()),
        )
        .order_by("-score_uplift", "name", "id")
    )
