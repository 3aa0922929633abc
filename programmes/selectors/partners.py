"""Reads for the partner programme: each partner's record against the tier criteria, and the
yearly review (accreditations ending, ratings below the threshold, unresolved disputes)."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, QuerySet

from cluster_platform.models import Cluster
from enterprises.models import Membership, MembershipRole, MembershipStatus
from programmes.models import PartnerTierCriteria
from programmes.tiers import PartnerRecord, Thresholds
from services.models import Engagement, EngagementStatus, PartnerRating
from services.reputation import UpliftStats
from services.selectors.reputation import partner_uplift_stats


def tier_criteria_get(*, cluster: Cluster) -> PartnerTierCriteria:
    """The cluster's criteria, or the defaults (unsaved) until the agency sets its own."""
    return PartnerTierCriteria.objects.filter(cluster=cluster).first() or PartnerTierCriteria(cluster=cluster)


def tier_thresholds(criteria: PartnerTierCriteria) -> dict[str, Thresholds]:
    return {
        tier: Thresholds(
            completed_engagements=getattr(criteria, f"{tier}_min_completed"),
            rating=getattr(criteria, f"{tier}_min_rating"),
            certifications=getattr(criteria, f"{tier}_min_certifications"),
            years_accredited=getattr(criteria, f"{tier}_min_years"),
        )
        for tier in ("certified", "strategic")
    }


def full_years(since: date | None, today: date) -> int:
    if since is None or since > today:
        return 0
    return today.year - since.year - ((today.month, today.day) < (since.month, since.day))


def partner_memberships(*, cluster: Cluster) -> QuerySet[Membership]:
    """The cluster's admitted partners (approved or suspended), ordered for stable output."""
    return (
        Membership.objects.filter(
            cluster=cluster,
            role=MembershipRole.PARTNER,
            status__in=[MembershipStatus.APPROVED, MembershipStatus.SUSPENDED],
        )
        .select_related("enterprise")
        .order_by("enterprise__name", "id")
    )


def partner_records(*, cluster: Cluster, memberships: list[Membership], today: date) -> dict:
    """Membership id -> PartnerRecord, from this cluster's engagements and ratings only."""
    partner_ids = [membership.enterprise_id for membership in memberships]
    completed = dict(
        Engagement.objects.filter(
            cluster=cluster, partner_id__in=partner_ids, status=EngagementStatus.COMPLETED
        )
        .values("partner_id")
        .annotate(n=Count("id"))
        .values_list("partner_id", "n")
    )
    ratings = {
        partner_id: (count, bayes)
        for partner_id, count, bayes in PartnerRating.objects.filter(
            cluster=cluster, partner_id__in=partner_ids
        ).values_list("partner_id", "count", "bayes")
    }
    records = {}
    for membership in memberships:
        count, bayes = ratings.get(membership.enterprise_id, (0, None))
        records[membership.pk] = PartnerRecord(
            completed_engagements=completed.get(membership.enterprise_id, 0),
            rating=Decimal(str(round(bayes, 2))) if count else None,
            certifications=len(membership.enterprise.qualifications or []),
            years_accredited=full_years(membership.accredited_since, today),
        )
    return records


@dataclass
class ReviewRow:
    membership: Membership
    record: PartnerRecord
    reasons: list[str]
    open_disputes: int
    # The partner's measured client uplift (services.reputation), None below the minimum sample.
    uplift: UpliftStats | None = None


def partner_review(*, cluster: Cluster, today: date) -> list[ReviewRow]:
    """The yearly review: partners whose accreditation has ended or ends within the warning
    window, whose rating fell below the cluster's threshold, or who have unresolved disputes."""
    criteria = tier_criteria_get(cluster=cluster)
    memberships = list(partner_memberships(cluster=cluster))
    records = partner_records(cluster=cluster, memberships=memberships, today=today)
    disputes = dict(
        Engagement.objects.filter(cluster=cluster, status=EngagementStatus.DISPUTED)
        .values("partner_id")
        .annotate(n=Count("id"))
        .values_list("partner_id", "n")
    )
    horizon = today + timedelta(days=criteria.expiry_warning_days)
    rows = []
    for membership in memberships:
        record = records[membership.pk]
        reasons = []
        valid_until = membership.accreditation_valid_until
        if valid_until is not None and valid_until < today:
            reasons.append("accreditation_expired")
        elif valid_until is not None and valid_until <= horizon:
            reasons.append("accreditation_expiring")
        if record.rating is not None and record.rating < criteria.review_min_rating:
            reasons.append("rating_below_threshold")
        if disputes.get(membership.enterprise_id):
            reasons.append("open_disputes")
        if reasons:
            rows.append(ReviewRow(membership, record, reasons, disputes.get(membership.enterprise_id, 0)))
    uplift = partner_uplift_stats(cluster=cluster, partner_ids=[row.membership.enterprise_id for row in rows])
    for row in rows:
        row.uplift = uplift.get(row.membership.enterprise_id)
    return rows
