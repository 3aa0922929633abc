import factory

from enterprises.models import MembershipRole
from matching.models import MatchingWeights, MatchRun, MatchRunStatus, MatchRunTrigger, Recommendation
from services.models import Category, DeliveryMode, Demand, Offering, OfferingStatus, PriceModel
from tests.cluster_platform.factories import ClusterFactory
from tests.enterprises.factories import EnterpriseFactory, MembershipFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"服务类别{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    cluster = factory.SubFactory(ClusterFactory)
    partner = factory.SubFactory(EnterpriseFactory, industry_code="I65")
    category = factory.SubFactory(CategoryFactory)
    title = factory.Sequence(lambda n: f"数字化服务{n}")
    summary = "面向中小企业的数字化转型服务"
    delivery_mode = DeliveryMode.ONLINE
    price_model = PriceModel.FIXED
    price_min = 10_000
    price_max = 50_000
    capacity = 5
    status = OfferingStatus.PUBLISHED


class DemandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Demand
        skip_postgeneration_save = True

    cluster = factory.SubFactory(ClusterFactory)
    sme = factory.SubFactory(EnterpriseFactory)
    title = factory.Sequence(lambda n: f"需要数字化服务{n}")
    description = "希望实施生产管理系统"
    budget_min = 5_000
    budget_max = 60_000

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.categories.set(extracted)


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
