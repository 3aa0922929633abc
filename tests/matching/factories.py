import factory

from enterprises.models import MembershipRole
from matching.models import MatchingWeights, MatchRun, MatchRunStatus, MatchRunTrigger, Recommendation
from tests.cluster_platform.factories import ClusterFactory
from tests.enterprises.factories import EnterpriseFactory, MembershipFactory
from tests.services.factories import OfferingFactory


class MatchingWeightsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MatchingWeights
        django_get_or_create = ["cluster"]

    cluster = factory.SubFactory(ClusterFactory)


class MatchRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MatchRun

    cluster = factory.SubFactory(ClusterFactory)
    trigger = MatchRunTrigger.MANUAL
    status = MatchRunStatus.COMPLETED


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    cluster = factory.SubFactory(ClusterFactory)
    sme = factory.SubFactory(EnterpriseFactory)
    offering = factory.SubFactory(OfferingFactory, cluster=factory.SelfAttribute("..cluster"))
    partner = factory.SelfAttribute("offering.partner")
    rank = 1
    score = 0.5
    contributions = factory.LazyFunction(list)


def sme_member(cluster, **enterprise_fields):
    """An enterprise with an approved SME membership in `cluster`."""
    enterprise = EnterpriseFactory(**enterprise_fields)
    MembershipFactory(cluster=cluster, enterprise=enterprise, role=MembershipRole.SME)
    return enterprise


def partner_member(cluster, **enterprise_fields):
    enterprise_fields.setdefault("industry_code", "I65")
    enterprise = EnterpriseFactory(**enterprise_fields)
    MembershipFactory(
        cluster=cluster, enterprise=enterprise, role=MembershipRole.PARTNER, partner_tier="certified"
    )
    return enterprise
