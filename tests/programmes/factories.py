import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from programmes.models import Voucher, VoucherProgramme
from programmes.services.programmes import programme_create
from tests.cluster_platform.factories import ClusterFactory
from tests.enterprises.factories import EnterpriseFactory


class VoucherProgrammeFactory(factory.django.DjangoModelFactory):
    """A programme created through the service, so that its ledger is funded like a real one."""

    class Meta:
        model = VoucherProgramme

    cluster = factory.SubFactory(ClusterFactory)
    name = factory.Sequence(lambda n: f"2026年数字化转型服务券{n}")
    budget = Decimal("1000000.00")
    per_sme_cap = Decimal("50000.00")
    coverage_share = Decimal("0.300")
    applications_open = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    applications_close = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    voucher_validity_days = 180
    eligible_categories = factory.LazyFunction(list)
    eligibility_rule = factory.LazyFunction(dict)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return programme_create(by=kwargs.pop("by", None), **kwargs)


class VoucherFactory(factory.django.DjangoModelFactory):
    """An application (holding no money); move it on with the services, which write the ledger."""

    class Meta:
        model = Voucher

    programme = factory.SubFactory(VoucherProgrammeFactory)
    cluster = factory.SelfAttribute("programme.cluster")
    sme = factory.SubFactory(EnterpriseFactory)
    amount = factory.SelfAttribute("programme.per_sme_cap")
