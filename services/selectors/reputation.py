"""Reads for partner reputation: each partner's measured client uplift in one cluster."""

from django.db.models import Min

from cluster_platform.models import Cluster
from enterprises.models import Assessment
from services.models import Engagement, EngagementEvent, EngagementStatus
from services.reputation import (
    AssessmentPoint,
    EngagementSpan,
    UpliftStats,
    attributed_uplifts,
    partner_uplift,
)

# Engagements in which work was (or is being) done: rivals for attribution when they overlap.
WORKED = [
    EngagementStatus.IN_PROGRESS,
    EngagementStatus.DELIVERED,
    EngagementStatus.COMPLETED,
    EngagementStatus.DISPUTED,
]


def partner_uplift_stats(*, cluster: Cluster, partner_ids=None) -> dict[object, UpliftStats]:
    """Partner id -> uplift statistics from this cluster's engagements and assessments only.

    Partners with fewer than three attributable observations are absent (see services.reputation)."""
    completed = Engagement.objects.filter(cluster=cluster, status=EngagementStatus.COMPLETED)
    if partner_ids is not None:
        completed = completed.filter(partner_id__in=list(partner_ids))
    sme_ids = set(completed.values_list("sme_id", flat=True))
    if not sme_ids:
        return {}
    engagements = list(
        Engagement.objects.filter(cluster=cluster, sme_id__in=sme_ids, status__in=WORKED).values_list(
            "id", "sme_id", "partner_id", "status", "created_at", "updated_at"
        )
    )
    ids = [row[0] for row in engagements]
    started = dict(
        EngagementEvent.objects.filter(engagement_id__in=ids, to_status=EngagementStatus.IN_PROGRESS)
        .values("engagement_id")
        .annotate(at=Min("created_at"))
        .values_list("engagement_id", "at")
    )
    finished = dict(
        EngagementEvent.objects.filter(engagement_id__in=ids, to_status=EngagementStatus.COMPLETED)
        .values("engagement_id")
        .annotate(at=Min("created_at"))
        .values_list("engagement_id", "at")
    )
    spans = [
        EngagementSpan(
            engagement_id=pk,
            sme_id=sme_id,
            partner_id=partner_id,
            start=started.get(pk, created_at),
            end=finished.get(pk, updated_at) if status == EngagementStatus.COMPLETED else None,
            completed=status == EngagementStatus.COMPLETED,
        )
        for pk, sme_id, partner_id, status, created_at, updated_at in engagements
    ]
    points = [
        AssessmentPoint(sme_id=enterprise_id, at=at, score=float(score), level=level)
        for enterprise_id, at, score, level in Assessment.objects.filter(
            cluster=cluster, enterprise_id__in=sme_ids
        ).values_list("enterprise_id", "created_at", "score", "level")
    ]
    uplifts = attributed_uplifts(spans=spans, assessments=points)
    if partner_ids is not None:
        wanted = set(partner_ids)
        uplifts = [uplift for uplift in uplifts if uplift.partner_id in wanted]
    return partner_uplift(uplifts)
