"""The apps react to each other's events: a profile change re-evaluates policies, and catalog
changes re-score matching. Each goes through the real services and the in-process Celery path."""

import pytest

from cluster_platform.models import Notification
from enterprises.services.enterprises import enterprise_update
from enterprises.services.memberships import membership_suspend
from matching.models import MatchRun, MatchRunTrigger, Recommendation
from services.models import OfferingStatus
from services.services.demands import demand_transition
from services.services.offerings import offering_approve, offering_withdraw
from tests.cluster_platform.factories import ClusterFactory, staff_member
from tests.enterprises.factories import EnterpriseFactory, EnterpriseUserFactory, MembershipFactory
from tests.matching.factories import partner_member, sme_member
from tests.policies.factories import PolicyFactory
from tests.services.factories import CategoryFactory, DemandFactory, OfferingFactory

pytestmark = pytest.mark.django_db

SMALL_IN_WUXI = {
    "all": [
        {"fact": "region", "op": "within", "value": "320200"},
        {"fact": "employees", "op": "lte", "value": 300},
    ]
}


def test_a_profile_edit_tells_the_enterprise_of_a_policy_it_now_qualifies_for(
    django_capture_on_commit_callbacks,
):
    enterprise = EnterpriseFactory(region_code="320214", employees=800)
    owner = EnterpriseUserFactory(enterprise=enterprise).user
    policy = PolicyFactory(live=True, eligibility_rule=SMALL_IN_WUXI)

    with django_capture_on_commit_callbacks(execute=True):
        enterprise_update(enterprise=enterprise, data={"employees": 120}, by=owner)

    note = Notification.objects.get(user=owner)
    assert note.dedup_key == f"policy-eligible:{policy.id}:{enterprise.id}"


def test_suspending_a_membership_reevaluates_membership_rules(django_capture_on_commit_callbacks):
    cluster = ClusterFactory(slug="wuxi-iot")
    staff = staff_member(cluster)
    enterprise = EnterpriseFactory(region_code="320214")
    owner = EnterpriseUserFactory(enterprise=enterprise).user
    membership = MembershipFactory(cluster=cluster, enterprise=enterprise)
    outsiders_only = PolicyFactory(
        live=True, eligibility_rule={"not": {"fact": "cluster", "op": "member_of", "value": "wuxi-iot"}}
    )

    with django_capture_on_commit_callbacks(execute=True):
        membership_suspend(membership=membership, reason="资料过期", by=staff)

    assert Notification.objects.filter(user=owner, dedup_key__contains=str(outsiders_only.id)).exists()


def test_publishing_and_withdrawing_an_offering_rescore_matching(django_capture_on_commit_callbacks):
    cluster = ClusterFactory()
    staff = staff_member(cluster)
    category = CategoryFactory(code="wiring-mes")
    sme = sme_member(cluster)
    partner = partner_member(cluster)
    demand = DemandFactory(cluster=cluster, sme=sme, categories=[category])
    offering = OfferingFactory(
        cluster=cluster, partner=partner, category=category, status=OfferingStatus.PENDING
    )

    with django_capture_on_commit_callbacks(execute=True):
        offering_approve(offering=offering, by=staff)

    assert MatchRun.objects.filter(cluster=cluster, trigger=MatchRunTrigger.EVENT).exists()
    assert Recommendation.objects.filter(demand=demand, offering=offering).exists()

    with django_capture_on_commit_callbacks(execute=True):
        offering_withdraw(offering=offering, by=staff, by_agency=True, reason="停止服务")

    assert not Recommendation.objects.filter(offering=offering).exists()


def test_a_cancelled_demand_loses_its_recommendations(django_capture_on_commit_callbacks):
    cluster = ClusterFactory()
    staff = staff_member(cluster)
    category = CategoryFactory(code="wiring-erp")
    sme = sme_member(cluster)
    owner = EnterpriseUserFactory(enterprise=sme).user
    demand = DemandFactory(cluster=cluster, sme=sme, categories=[category])
    offering = OfferingFactory(
        cluster=cluster, partner=partner_member(cluster), category=category, status=OfferingStatus.PENDING
    )
    with django_capture_on_commit_callbacks(execute=True):
        offering_approve(offering=offering, by=staff)
    assert Recommendation.objects.filter(demand=demand, offering=offering).exists()

    with django_capture_on_commit_callbacks(execute=True):
        demand_transition(demand=demand, action="cancel", by=owner)

    assert not Recommendation.objects.filter(demand=demand).exists()
