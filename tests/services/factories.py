"""One factory per model of the services app; tests of other apps import them from here."""

from datetime import datetime, timedelta

import factory
from django.utils import timezone

from enterprises.models import MembershipRole
from services.models import (
    Booking,
    BookingStatus,
    Category,
    DeliveryMode,
    Demand,
    Engagement,
    Machine,
    MachineApproval,
    MachineKind,
    Offering,
    OfferingStatus,
    PriceModel,
)
from services.services.offerings import offering_search_refresh
from tests.cluster_platform.factories import ClusterFactory
from tests.enterprises.factories import EnterpriseFactory, MembershipFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    """A service category; naming an existing code (the seeded taxonomy's) reuses that row."""

    class Meta:
        model = Category
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"服务类别{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class OfferingFactory(factory.django.DjangoModelFactory):
    """A published offering as the services would leave it (its search vector computed).

    `partner_membership=True` also makes the partner an approved, certified partner member of the
    offering's cluster, which an engagement request needs; by default the caller brings a partner
    that already is one (or a test does not care).
    """

    class Meta:
        model = Offering
        skip_postgeneration_save = True

    cluster = factory.SubFactory(ClusterFactory)
    partner = factory.SubFactory(EnterpriseFactory, industry_code="I65")
    category = factory.SubFactory(CategoryFactory, code="saas-mes")
    title = factory.Sequence(lambda n: f"测试服务{n}")
    summary = "面向中小制造企业的数字化服务"
    description = ""
    delivery_mode = DeliveryMode.ONLINE
    price_model = PriceModel.QUOTE
    status = OfferingStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def partner_membership(obj, create, extracted, **kwargs):
        if create and extracted:
            MembershipFactory(
                cluster=obj.cluster,
                enterprise=obj.partner,
                role=MembershipRole.PARTNER,
                partner_tier="certified",
            )

    @factory.post_generation
    def search(obj, create, extracted, **kwargs):
        if create:
            offering_search_refresh(offering=obj)


class DemandFactory(factory.django.DjangoModelFactory):
    """An open demand; pass `categories=[...]` to file it under service categories."""

    class Meta:
        model = Demand
        skip_postgeneration_save = True

    cluster = factory.SubFactory(ClusterFactory)
    sme = factory.SubFactory(EnterpriseFactory)
    title = factory.Sequence(lambda n: f"需求{n}")
    description = "需要一套生产管理系统"

    @factory.post_generation
    def categories(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.categories.set(extracted)


class EngagementFactory(factory.django.DjangoModelFactory):
    """An engagement; pass `sme` (an approved SME member) and `offering` for realistic rows."""

    class Meta:
        model = Engagement

    offering = factory.SubFactory(OfferingFactory, partner_membership=True, capacity=2)
    cluster = factory.SelfAttribute("offering.cluster")
    partner = factory.SelfAttribute("offering.partner")
    sme = factory.SubFactory(EnterpriseFactory)
    message = "请提供报价"


class MachineFactory(factory.django.DjangoModelFactory):
    """An approved, online machine open Monday to Sunday 08:00-20:00."""

    class Meta:
        model = Machine

    cluster = factory.SubFactory(ClusterFactory)
    partner = factory.SubFactory(EnterpriseFactory, industry_code="M73")
    asset_code = factory.Sequence(lambda n: f"EQ-{n:05d}")
    name = factory.Sequence(lambda n: f"探针台 {n}")
    kind = MachineKind.TEST
    model_name = "Cascade Summit 200"
    manufacturer = "FormFactor"
    location = "无锡市新吴区 MEMS 中试线 B2"
    hourly_rate = "380.00"
    opening_hours = factory.LazyFunction(
        lambda: {day: ["08:00", "20:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    )
    approval = MachineApproval.APPROVED
    submitted_at = factory.LazyFunction(timezone.now)


def local_slot(days_ahead: int, hour: int, hours: int = 1, minute: int = 0) -> tuple[datetime, datetime]:
    """A slot `days_ahead` days from today at local `hour`:`minute`, lasting `hours`."""
    day = timezone.localdate() + timedelta(days=days_ahead)
    start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_default_timezone())
    return start, start + timedelta(hours=hours)


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    machine = factory.SubFactory(MachineFactory)
    cluster = factory.SelfAttribute("machine.cluster")
    sme = factory.SubFactory(EnterpriseFactory)
    start = factory.LazyFunction(lambda: local_slot(3, 9)[0])
    end = factory.LazyAttribute(lambda o: o.start + timedelta(hours=2))
    hourly_rate = factory.SelfAttribute("machine.hourly_rate")
    status = BookingStatus.REQUESTED
