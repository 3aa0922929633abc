"""The catalog list as the public reads it: what it costs in queries, and what each reader sees."""

import datetime

import pytest
from rest_framework import serializers

from cluster_platform.selectors import ANONYMOUS_ROLES
from enterprises.models import MembershipStatus
from services.api.serializers.catalog import OfferingSerializer
from services.models import Offering, OfferingRevision
from services.selectors.offerings import offering_with_relations
from tests.enterprises.factories import MembershipFactory
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db

PRIVATE = {"decision_reason", "submitted_at", "decided_at", "pending_revision"}


def url(cluster):
    return f"/api/v1/clusters/{cluster.slug}/offerings/"


def _published_with_revisions(cluster, partner, count):
    for _ in range(count):
        offering = OfferingFactory(cluster=cluster, partner=partner.enterprise, tags=["MES"])
        OfferingRevision.objects.create(cluster=cluster, offering=offering, data={"title": "新标题"})


def test_public_list_is_three_queries_whatever_the_rows(
    api_client, cluster, partner, django_assert_num_queries
):
    """The cluster, the count and the page: no revision is read for the public, and nothing per row."""
    _published_with_revisions(cluster, partner, 2)
    with django_assert_num_queries(3):
        assert api_client.get(url(cluster)).json()["count"] == 2
    _published_with_revisions(cluster, partner, 25)
    with django_assert_num_queries(3) as captured:
        body = api_client.get(url(cluster), {"page": 2}).json()
    assert body["count"] == 27 and len(body["results"]) == 7
    assert not any("offeringrevision" in query["sql"] for query in captured.captured_queries)


def test_public_and_other_partners_never_see_review_details(
    api_client, client_for, cluster, partner, other_partner, agency_viewer
):
    _published_with_revisions(cluster, partner, 1)
    OfferingFactory(cluster=cluster, partner=other_partner.enterprise)

    def rows(client):
        return {row["partner"]["id"]: row for row in client.get(url(cluster)).json()["results"]}

    mine, theirs = str(partner.enterprise.id), str(other_partner.enterprise.id)
    for row in rows(api_client).values():
        assert not PRIVATE & set(row)
    as_other = rows(client_for(other_partner.user))
    assert not PRIVATE & set(as_other[mine])
    assert set(as_other[theirs]) >= PRIVATE and as_other[theirs]["pending_revision"] is None
    as_owner = rows(client_for(partner.user))
    assert as_owner[mine]["pending_revision"]["data"] == {"title": "新标题"}
    assert not PRIVATE & set(as_owner[theirs])
    assert rows(client_for(agency_viewer))[mine]["pending_revision"]["data"] == {"title": "新标题"}


def test_only_partners_in_good_standing_in_this_cluster_are_listed(api_client, cluster, partner):
    """Good standing is a membership of the offering's own cluster: one elsewhere does not count."""
    OfferingFactory(cluster=cluster, partner=partner.enterprise)
    assert api_client.get(url(cluster)).json()["count"] == 1
    here = partner.enterprise.memberships.get(cluster=cluster)
    elsewhere = MembershipFactory(
        enterprise=partner.enterprise, role="partner", status=MembershipStatus.APPROVED
    )
    here.status = MembershipStatus.SUSPENDED
    here.save()
    assert api_client.get(url(cluster)).json()["count"] == 0
    assert api_client.get(url(elsewhere.cluster)).json()["count"] == 0
    here.status = MembershipStatus.APPROVED
    here.accreditation_valid_until = datetime.date.today() - datetime.timedelta(days=1)
    here.save()
    assert api_client.get(url(cluster)).json()["count"] == 0


def test_offering_output_is_what_plain_drf_gives(cluster, partner, agency_admin):
    """The fast output path (fields built once, columns read directly, time zone looked up once)
    renders exactly what DRF's generic walk renders from the same fields."""
    _published_with_revisions(cluster, partner, 1)
    OfferingFactory(
        cluster=cluster, partner=partner.enterprise, price_model="from", price_min="1200.50", tags=["诊断"]
    )
    offerings = list(offering_with_relations(Offering.objects.filter(cluster=cluster)).order_by("id"))
    staff_roles = type(ANONYMOUS_ROLES)(staff_role="admin")
    for roles in (staff_roles, ANONYMOUS_ROLES):
        serializer = OfferingSerializer(context={"roles": roles})
        for offering in offerings:
            fast = serializer.to_representation(offering)
            plain = serializers.Serializer.to_representation(serializer, offering)
            plain.pop("net_cost")  # written only when the view priced the page (?net_cost=true)
            if roles is ANONYMOUS_ROLES:
                plain = {key: value for key, value in plain.items() if key not in PRIVATE}
            assert fast == plain
            assert list(fast) == list(plain)
            assert fast["created_at"] == serializers.DateTimeField().to_representation(offering.created_at)


def test_category_names_follow_each_requests_language(api_client, cluster, partner):
    OfferingFactory(cluster=cluster, partner=partner.enterprise)
    for language, name in (("en", "MES (manufacturing execution system)"), ("zh-hans", "MES制造执行系统")):
        row = api_client.get(url(cluster), HTTP_ACCEPT_LANGUAGE=language).json()["results"][0]
        assert row["category"]["name"] == name


def test_a_bad_filter_value_does_not_linger_into_the_next_request(api_client, cluster, partner):
    OfferingFactory(cluster=cluster, partner=partner.enterprise, voucher_eligible=True)
    bad = api_client.get(url(cluster), {"voucher_eligible": "maybe"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == "voucher_eligible"
    assert api_client.get(url(cluster), {"voucher_eligible": "true"}).json()["count"] == 1
