"""Factories for service delivery: published offerings to engage, engagements, machines, bookings."""

from datetime import datetime, timedelta

import factory
from django.utils import timezone

from enterprises.models import MembershipRole
from services.models import (
    Booking,
    BookingStatus,
    Category,
    Engagement,
    Machine,
    MachineApproval,
    MachineKind,
    Offering,
    OfferingStatus,
)
from tests.cluster_platform.factories import ClusterFactory
from tests.enterprises.factories import EnterpriseFactory, MembershipFactory


class DeliveryCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["code"]

    code = "delivery-test"
    name = "测试服务"
    name_en = "Test services"


class PublishedOfferingFactory(factory.django.DjangoModelFactory):
    """A published offering of an approved partner member of its cluster."""

    class Meta:
        model = Offering
        skip_postgeneration_save = True

    cluster = factory.SubFactory(ClusterFactory)
    partner = factory.SubFactory(EnterpriseFactory, industry_code="I65")
    category = factory.SubFactory(DeliveryCategoryFactory)
    title = factory.Sequence(lambda n: f"MEMS 工艺咨询 {n}")
    summary = "MEMS 器件工艺与封装咨询"
    delivery_mode = "hybrid"
    price_model = "quote"
    capacity = 2
    status = OfferingStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def membership(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            MembershipFactory(
                cluster=obj.cluster,
                enterprise=obj.partner,
                role=MembershipRole.PARTNER,
                partner_tier="certified",
            )


class EngagementFactory(factory.django.DjangoModelFactory):
    """An engagement; pass `sme` (an approved SME member) and `offering` for realistic rows."""

    class Meta:
        model = Engagement

    offering = factory.SubFactory(PublishedOfferingFactory)
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
