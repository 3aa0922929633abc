"""Matching's rows in the isolation world: all in cluster A, none public."""

from matching.models import FeedbackKind, MatchingWeights, MatchRun, MatchRunStatus, RecommendationFeedback
from tests.enterprises.factories import AssessmentFactory
from tests.matching.factories import RecommendationFactory
from tests.services.factories import CategoryFactory, DemandFactory, OfferingFactory


def build(world) -> None:
    a = world.a
    category = CategoryFactory(code="world-matching")
    offering = OfferingFactory(cluster=a.cluster, partner=a.partner, category=category)
    demand = DemandFactory(cluster=a.cluster, sme=a.sme, categories=[category])
    run = MatchRun.objects.create(cluster=a.cluster, trigger="manual", status=MatchRunStatus.COMPLETED)
    RecommendationFactory(cluster=a.cluster, run=run, sme=a.sme, demand=demand, offering=offering)
    dismissed = OfferingFactory(cluster=a.cluster, partner=a.partner, category=category)
    RecommendationFactory(cluster=a.cluster, run=run, sme=a.sme, offering=dismissed)
    # Published offerings are public catalog entries; the recommendations about them are not.
    world.public_ids.update({str(offering.pk), str(dismissed.pk)})
    RecommendationFeedback.objects.create(
        cluster=a.cluster,
        sme=a.sme,
        offering=dismissed,
        kind=FeedbackKind.DISMISSED,
        reason="too_far",
        score=0.4,
    )
    MatchingWeights.objects.create(cluster=a.cluster, region=0.3)
    AssessmentFactory(cluster=a.cluster, enterprise=a.sme)
