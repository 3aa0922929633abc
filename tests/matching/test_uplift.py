"""Partner uplift as a matching feature: measured per cluster from that cluster's engagements and
assessments, used by that cluster's runs only."""

from datetime import UTC, datetime, timedelta

import pytest

from enterprises.models import Assessment, MembershipRole
from matching.explanations import contributions_expand
from matching.models import MatchRunTrigger, Recommendation
from matching.selectors import offering_inputs
from matching.services import match_run_now
from services.models import Engagement, EngagementEvent
from tests.cluster_platform.factories import ClusterFactory
from tests.enterprises.factories import AssessmentFactory, MembershipFactory
from tests.matching.factories import partner_member, sme_member
from tests.services.factories import CategoryFactory, DemandFactory, EngagementFactory, OfferingFactory

pytestmark = pytest.mark.django_db

START, DONE = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)


def _clients_gain(cluster, offering, gains):
    """One client per gain: assessed before the engagement and 40 days after its completion."""
    for gain in gains:
        sme = sme_member(cluster)
        engagement = EngagementFactory(
            cluster=cluster, offering=offering, partner=offering.partner, sme=sme, status="completed"
        )
        Engagement.objects.filter(pk=engagement.pk).update(created_at=START)
        event = EngagementEvent.objects.create(
            cluster=cluster, engagement=engagement, action="confirm", to_status="completed", actor_party="sme"
        )
        EngagementEvent.objects.filter(pk=event.pk).update(created_at=DONE)
        before = AssessmentFactory(cluster=cluster, enterprise=sme, level=1, score=30)
        after = AssessmentFactory(cluster=cluster, enterprise=sme, level=1 + gain, score=30 + 20 * gain)
        Assessment.objects.filter(pk=before.pk).update(created_at=START - timedelta(days=10))
        Assessment.objects.filter(pk=after.pk).update(created_at=DONE + timedelta(days=40))


@pytest.fixture
def two_clusters():
    """One partner and one rival in clusters A and B, each with an offering and a demand in both."""
    mes = CategoryFactory(code="mes-uplift")
    a, b = ClusterFactory(), ClusterFactory()
    partner, rival = partner_member(a), partner_member(a)
    for enterprise in (partner, rival):
        MembershipFactory(
            cluster=b, enterprise=enterprise, role=MembershipRole.PARTNER, partner_tier="certified"
        )
    world = {"a": a, "b": b, "partner": partner}
    for name, cluster in (("a", a), ("b", b)):
        world[f"{name}_offering"] = OfferingFactory(
            cluster=cluster, partner=partner, category=mes, title="MES 实施", capacity=20
        )
        world[f"{name}_rival"] = OfferingFactory(
            cluster=cluster, partner=rival, category=mes, title="MES 实施", capacity=20
        )
        DemandFactory(cluster=cluster, sme=sme_member(cluster), categories=[mes], title="MES")
    return world


def _stored(cluster):
    return sorted(
        (str(row.demand_id), str(row.sme_id), str(row.offering_id), row.rank, row.score, row.contributions)
        for row in Recommendation.objects.filter(cluster=cluster)
    )


def _uplift(recommendation):
    return next(
        row for row in contributions_expand(recommendation.contributions) if row["feature"] == "uplift"
    )


def test_the_offering_input_carries_its_partners_uplift_in_this_cluster(two_clusters):
    _clients_gain(two_clusters["a"], two_clusters["a_offering"], [1, 1, 0])
    dimensions = []
    by_id = {o.id: o for o in offering_inputs(cluster=two_clusters["a"], dimensions=dimensions)}
    measured = by_id[str(two_clusters["a_offering"].pk)]
    assert (measured.uplift_levels, measured.uplift_clients) == (0.67, 3)
    elsewhere = {o.id: o for o in offering_inputs(cluster=two_clusters["b"], dimensions=dimensions)}
    assert elsewhere[str(two_clusters["b_offering"].pk)].uplift_levels is None


def test_uplift_ranks_the_measured_partner_first_in_its_cluster_and_nowhere_else(two_clusters):
    a, b = two_clusters["a"], two_clusters["b"]
    match_run_now(cluster=b, trigger=MatchRunTrigger.COMMAND)
    before = _stored(b)
    # Two measured clients are not enough: nothing changes, in A either.
    _clients_gain(a, two_clusters["a_offering"], [1, 1])
    match_run_now(cluster=a, trigger=MatchRunTrigger.COMMAND)
    demand = Recommendation.objects.filter(cluster=a, demand__isnull=False)
    assert {_uplift(row)["code"] for row in demand} == {"prior_unweighted"}

    _clients_gain(a, two_clusters["a_offering"], [1])  # the third: now measured, +1.0 on average
    # The rival completed as many engagements (same quality), none of them measured.
    for _ in range(3):
        rival = two_clusters["a_rival"]
        EngagementFactory(
            cluster=a, offering=rival, partner=rival.partner, sme=sme_member(a), status="completed"
        )
    run = match_run_now(cluster=a, trigger=MatchRunTrigger.COMMAND)
    assert run.weights["uplift"] > 0
    first, second = Recommendation.objects.filter(cluster=a, demand__isnull=False).order_by("rank")
    assert (first.offering_id, second.offering_id) == (
        two_clusters["a_offering"].pk,
        two_clusters["a_rival"].pk,
    )
    weight = run.weights["uplift"] / sum(run.weights.values())
    # Identical offerings otherwise: the clients' uplift is the whole difference.
    assert first.score - second.score == pytest.approx((1.0 - 0.5) * weight, abs=1e-6)
    line = _uplift(first)
    assert (line["code"], line["value"], line["contribution"]) == ("uplift", 1.0, round(weight, 4))
    assert line["reason"] == "clients of this partner gained on average +1.0 levels, n=3"
    assert (_uplift(second)["code"], _uplift(second)["value"]) == ("uplift_unknown", 0.5)

    # Cluster B: the same partner, none of A's engagements or assessments.
    match_run_now(cluster=b, trigger=MatchRunTrigger.COMMAND)
    assert _stored(b) == before
    assert all(_uplift(row)["code"] == "prior_unweighted" for row in Recommendation.objects.filter(cluster=b))
