import factory
from django.utils import timezone

from services.models import DeliveryMode, Demand, Offering, OfferingStatus, PriceModel
from services.services.offerings import offering_search_refresh
from tests.cluster_platform.factories import ClusterFactory
from tests.enterprises.factories import EnterpriseFactory


class OfferingFactory(factory.django.DjangoModelFactory):
    """An offering row as the services would leave it (its search vector computed)."""

    class Meta:
        model = Offering
        skip_postgeneration_save = True

    cluster = factory.SubFactory(ClusterFactory)
    partner = factory.SubFactory(EnterpriseFactory)
    category_id = "saas-mes"
    title = factory.Sequence(lambda n: f"测试服务{n}")
    summary = "面向中小制造企业的数字化服务"
    description = ""
    delivery_mode = DeliveryMode.ONLINE
    price_model = PriceModel.QUOTE
    status = OfferingStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def search(self, create, extracted, **kwargs):
        if create:
            offering_search_refresh(offering=self)


class DemandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Demand

    cluster = factory.SubFactory(ClusterFactory)
    sme = factory.SubFactory(EnterpriseFactory)
    title = factory.Sequence(lambda n: f"需求{n}")
    description = "需要一套生产管理系统"
