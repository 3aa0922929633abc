"""Partner tiers: the pure decision (table-driven), proposals, their decisions, the yearly review."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cluster_platform.exceptions import InvalidTransition
from cluster_platform.models import AuditLog, Notification
from enterprises.models import Assessment, Membership
from programmes.models import TierProposal, TierProposalStatus
from programmes.selectors.partners import partner_review
from programmes.services.partners import (
    accreditation_set,
    accreditations_expired_notify,
    tier_criteria_set,
    tier_proposal_accept,
    tier_proposal_decline,
    tier_proposals_generate,
)
from programmes.tiers import PartnerRecord, Thresholds, tier_decision
from services.models import Engagement, EngagementEvent, PartnerRating
from services.selectors.reputation import partner_uplift_stats
from tests.cluster_platform.factories import ClusterFactory
from tests.enterprises.factories import AssessmentFactory
from tests.services.factories import EngagementFactory

CRITERIA = {
    "certified": Thresholds(
        completed_engagements=3, rating=Decimal("3.5"), certifications=0, years_accredited=0
    ),
    "strategic": Thresholds(
        completed_engagements=10, rating=Decimal("4.2"), certifications=1, years_accredited=2
    ),
}


def _record(done=0, rating=None, certs=0, years=0):
    return PartnerRecord(
        completed_engagements=done,
        rating=None if rating is None else Decimal(rating),
        certifications=certs,
        years_accredited=years,
    )


@pytest.mark.parametrize(
    ("record", "current", "tier", "criterion"),
    [
        (_record(), "registered", "registered", ""),
        (_record(3, "3.5"), "registered", "certified", "completed_engagements"),
        (_record(5, "3.6"), "registered", "certified", "rating"),
        (_record(2, "4.9"), "registered", "registered", ""),
        (_record(12, "4.5", 2, 3), "registered", "strategic", "rating"),
        (_record(12, "4.5", 2, 2), "certified", "strategic", "years_accredited"),
        (_record(12, "4.5", 0, 3), "strategic", "certified", "certifications"),
        (_record(12, "3.0", 2, 3), "strategic", "registered", "rating"),
        (_record(12, None, 2, 3), "certified", "registered", "rating"),
        (_record(3, "3.5"), "", "certified", "completed_engagements"),
        # Strategic's bar without certified's is not strategic: tiers are climbed in order.
        (_record(2, "4.9", 5, 9), "registered", "registered", ""),
    ],
)
def test_tier_decision(record, current, tier, criterion):
    decision = tier_decision(record=record, current=current, criteria=CRITERIA)
    assert (decision.tier, decision.criterion) == (tier, criterion)


def _complete(scene, n):
    for _ in range(n):
        sme = scene.new_sme()[1]
        EngagementFactory(
            offering=scene.offering, cluster=scene.cluster, partner=scene.partner, sme=sme, status="completed"
        )


@pytest.mark.django_db
def test_proposals_are_generated_once_and_accepted_or_declined(scene):
    _complete(scene, 3)
    PartnerRating.objects.create(cluster=scene.cluster, partner=scene.partner, count=3, mean=4.0, bayes=3.8)
    membership = Membership.objects.get(cluster=scene.cluster, enterprise=scene.partner)
    membership.partner_tier = "registered"
    membership.save()

    assert tier_proposals_generate(cluster=scene.cluster) == 1
    assert tier_proposals_generate(cluster=scene.cluster) == 1
    proposal = TierProposal.objects.get(status=TierProposalStatus.PROPOSED)
    assert (proposal.current_tier, proposal.proposed_tier) == ("registered", "certified")
    assert proposal.metrics["record"]["completed_engagements"] == 3
    assert Notification.objects.filter(user=scene.admin, kind="tier_proposal.proposed").count() == 1

    tier_proposal_accept(proposal=proposal, by=scene.admin)
    membership.refresh_from_db()
    assert membership.partner_tier == "certified"
    assert AuditLog.objects.filter(action="tier_proposal.accept").count() == 1
    assert AuditLog.objects.filter(action="membership.tier_changed").count() == 1
    with pytest.raises(InvalidTransition):
        tier_proposal_decline(proposal=proposal, by=scene.admin, reason="迟了")
    assert tier_proposals_generate(cluster=scene.cluster) == 0


@pytest.mark.django_db
def test_a_declined_demotion_needs_a_reason(scene):
    membership = Membership.objects.get(cluster=scene.cluster, enterprise=scene.partner)
    membership.partner_tier = "strategic"
    membership.save()
    tier_proposals_generate(cluster=scene.cluster)
    proposal = TierProposal.objects.get(status=TierProposalStatus.PROPOSED)
    assert (proposal.proposed_tier, proposal.criterion) == ("registered", "completed_engagements")
    with pytest.raises(ValidationError):
        tier_proposal_decline(proposal=proposal, by=scene.admin, reason="")
    tier_proposal_decline(proposal=proposal, by=scene.admin, reason="年度评审后再议")
    membership.refresh_from_db()
    assert membership.partner_tier == "strategic"


@pytest.mark.django_db
def test_strategic_never_asks_less_than_certified(scene):
    with pytest.raises(ValidationError) as caught:
        tier_criteria_set(cluster=scene.cluster, by=scene.admin, values={"strategic_min_completed": 1})
    assert "strategic_min_completed" in caught.value.message_dict


@pytest.mark.django_db
def test_the_yearly_review_lists_expiring_low_rated_and_disputed_partners(scene):
    today = timezone.localdate()
    membership = Membership.objects.get(cluster=scene.cluster, enterprise=scene.partner)
    accreditation_set(membership=membership, valid_until=today + timedelta(days=30), by=scene.admin)
    assert AuditLog.objects.filter(action="accreditation.set").count() == 1
    PartnerRating.objects.create(cluster=scene.cluster, partner=scene.partner, count=4, mean=2.0, bayes=2.5)
    scene.engagement(status="disputed")
    rows = partner_review(cluster=scene.cluster, today=today)
    assert len(rows) == 1
    assert rows[0].reasons == ["accreditation_expiring", "rating_below_threshold", "open_disputes"]
    assert rows[0].open_disputes == 1


@pytest.mark.django_db
def test_an_ended_accreditation_is_announced_once(scene):
    today = timezone.localdate()
    membership = Membership.objects.get(cluster=scene.cluster, enterprise=scene.partner)
    accreditation_set(membership=membership, valid_until=today + timedelta(days=1), by=scene.admin)
    assert accreditations_expired_notify(today=today) == 0
    later = today + timedelta(days=5)
    assert accreditations_expired_notify(today=later) == 1
    accreditations_expired_notify(today=later)
    assert Notification.objects.filter(user=scene.partner_user, kind="accreditation.expired").count() == 1
    assert partner_review(cluster=scene.cluster, today=later)[0].reasons == ["accreditation_expired"]
    with pytest.raises(ValidationError):
        accreditation_set(membership=membership, valid_until=today, by=scene.admin)


@pytest.mark.django_db
def test_the_review_shows_the_partners_measured_client_uplift(scene):
    """Three clients, each assessed before and 30+ days after its engagement: mean +1 level."""

    start, done = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)
    for delta in (1, 1, 1):
        sme = scene.new_sme()[1]
        engagement = scene.engagement(sme=sme, status="completed")
        event = EngagementEvent.objects.create(
            cluster=scene.cluster,
            engagement=engagement,
            action="confirm",
            to_status="completed",
            actor_party="sme",
        )
        EngagementEvent.objects.filter(pk=event.pk).update(created_at=done)
        before = AssessmentFactory(cluster=scene.cluster, enterprise=sme, level=1, score=30)
        after = AssessmentFactory(cluster=scene.cluster, enterprise=sme, level=1 + delta, score=50)
        Assessment.objects.filter(pk=before.pk).update(created_at=start - timedelta(days=10))
        Assessment.objects.filter(pk=after.pk).update(created_at=done + timedelta(days=40))
    Engagement.objects.filter(partner=scene.partner).update(created_at=start)
    stats = partner_uplift_stats(cluster=scene.cluster)[scene.partner.pk]
    assert (stats.n, stats.mean_levels, stats.mean_score) == (3, 1.0, 20.0)
    PartnerRating.objects.create(cluster=scene.cluster, partner=scene.partner, count=4, mean=2.0, bayes=2.5)
    row = partner_review(cluster=scene.cluster, today=timezone.localdate())[0]
    assert row.uplift.n == 3
    # Another cluster sees nothing of it.
    assert partner_uplift_stats(cluster=ClusterFactory()) == {}
