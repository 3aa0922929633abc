"""Partners' public profiles: tier, rating, delivered work and the clients' measured uplift, as
aggregates over at least three clients, from the cluster's own engagements only."""

from datetime import UTC, datetime, timedelta

import pytest

from enterprises.models import Assessment, Membership, MembershipRole
from enterprises.services.memberships import membership_suspend
from services.models import Engagement, EngagementEvent, PartnerRating
from tests.cluster_platform.factories import ClusterFactory, staff_member
from tests.enterprises.factories import AssessmentFactory, MembershipFactory, member_user
from tests.services.factories import EngagementFactory, OfferingFactory

pytestmark = pytest.mark.django_db

START, DONE = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)


def _measured_client(cluster, partner, *, before: int, after: int, score_gain: float = 20):
    """An SME of `cluster` that engaged `partner` and was assessed before and 40 days after."""
    sme = member_user(cluster, MembershipRole.SME).enterprise
    offering = OfferingFactory(cluster=cluster, partner=partner)
    engagement = EngagementFactory(
        cluster=cluster, offering=offering, partner=partner, sme=sme, status="completed"
    )
    event = EngagementEvent.objects.create(
        cluster=cluster, engagement=engagement, action="confirm", to_status="completed", actor_party="sme"
    )
    EngagementEvent.objects.filter(pk=event.pk).update(created_at=DONE)
    Engagement.objects.filter(pk=engagement.pk).update(created_at=START)
    first = AssessmentFactory(cluster=cluster, enterprise=sme, level=before, score=30)
    last = AssessmentFactory(cluster=cluster, enterprise=sme, level=after, score=30 + score_gain)
    Assessment.objects.filter(pk=first.pk).update(created_at=START - timedelta(days=10))
    Assessment.objects.filter(pk=last.pk).update(created_at=DONE + timedelta(days=40))
    return sme


def _profiles(client, cluster):
    return {
        row["id"]: row
        for row in client.get(f"/api/v1/clusters/{cluster.slug}/partner-profiles/").json()["results"]
    }


def test_the_public_profile_shows_the_clients_mean_uplift_from_three_clients(cluster, partner, client_for):
    PartnerRating.objects.create(cluster=cluster, partner=partner.enterprise, count=4, mean=4.5, bayes=4.1)
    for before, after in ((1, 2), (1, 2)):
        _measured_client(cluster, partner.enterprise, before=before, after=after)
    url = f"/api/v1/clusters/{cluster.slug}/partner-profiles/{partner.enterprise.pk}/"
    anonymous = client_for(None)
    two = anonymous.get(url).json()
    assert two["uplift"] is None  # two clients' mean would disclose their own scores
    assert (two["completed_engagements"], two["rating_count"], two["partner_tier"]) == (2, 4, "certified")
    assert "contact_phone" not in two and "operating_revenue" not in two

    _measured_client(cluster, partner.enterprise, before=2, after=4, score_gain=35)
    uplift = anonymous.get(url).json()["uplift"]
    assert (uplift["n"], uplift["mean_levels"], uplift["mean_score"]) == (3, 1.33, 25.0)
    assert uplift["ci_low"] < 1.33 < uplift["ci_high"]
    assert set(uplift) == {"n", "mean_levels", "mean_score", "ci_low", "ci_high", "summary"}
    listed = _profiles(anonymous, cluster)[str(partner.enterprise.pk)]
    assert listed["uplift"] == uplift


def test_a_partner_out_of_good_standing_leaves_the_public_profiles(
    cluster, partner, client_for, agency_admin
):
    membership = Membership.objects.get(cluster=cluster, enterprise=partner.enterprise, role="partner")
    membership_suspend(membership=membership, reason="年度信息未更新", by=agency_admin)
    assert str(partner.enterprise.pk) not in _profiles(client_for(None), cluster)
    url = f"/api/v1/clusters/{cluster.slug}/partner-profiles/{partner.enterprise.pk}/"
    assert client_for(None).get(url).status_code == 404
    assert str(partner.enterprise.pk) in _profiles(client_for(agency_admin), cluster)


def test_an_sme_is_no_partner_profile(cluster, sme, client_for):
    url = f"/api/v1/clusters/{cluster.slug}/partner-profiles/{sme.enterprise.pk}/"
    assert client_for(sme.user).get(url).status_code == 404


def test_another_clusters_engagements_never_count(cluster, partner, client_for):
    """A partner of two clusters: each cluster's profile measures its own clients only, and the
    other cluster's staff see none of them."""
    other = ClusterFactory()
    MembershipFactory(cluster=other, enterprise=partner.enterprise, role=MembershipRole.PARTNER)
    for _ in range(3):
        _measured_client(cluster, partner.enterprise, before=1, after=3)
    here = _profiles(client_for(None), cluster)[str(partner.enterprise.pk)]
    assert here["uplift"]["n"] == 3 and here["completed_engagements"] == 3
    there = _profiles(client_for(staff_member(other)), other)[str(partner.enterprise.pk)]
    assert (there["uplift"], there["completed_engagements"], there["published_offerings"]) == (None, 0, 0)
    for _ in range(3):
        _measured_client(other, partner.enterprise, before=1, after=2)
    there = _profiles(client_for(None), other)[str(partner.enterprise.pk)]
    assert (there["uplift"]["n"], there["uplift"]["mean_levels"]) == (3, 1.0)
    assert _profiles(client_for(None), cluster)[str(partner.enterprise.pk)]["uplift"]["mean_levels"] == 2.0


def test_the_list_query_count_does_not_grow_with_partners(cluster, client_for, django_assert_max_num_queries):
    partner = member_user(cluster, MembershipRole.PARTNER).enterprise
    for _ in range(3):
        _measured_client(cluster, partner, before=1, after=2)
    client = client_for(None)
    with django_assert_max_num_queries(15) as few:
        client.get(f"/api/v1/clusters/{cluster.slug}/partner-profiles/")
    for _ in range(6):
        other = member_user(cluster, MembershipRole.PARTNER).enterprise
        _measured_client(cluster, other, before=1, after=1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = client.get(f"/api/v1/clusters/{cluster.slug}/partner-profiles/").json()["results"]
    assert len(rows) == 7
