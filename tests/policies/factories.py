import datetime

import factory

from policies.models import Policy, PolicyStatus
from policies.records import FIELDS, identity_key, search_document


class PolicyFactory(factory.django.DjangoModelFactory):
    """A published national library policy unless told otherwise; identity and search text derived.

    `live=True`: in validity and published a month ago, relative to today, with a benefit amount:
    what the eligibility calculator and notifications consider (they read the date).
    """

    class Meta:
        model = Policy

    title = factory.Sequence(lambda n: f"关于支持中小企业数字化转型的若干措施（第{n}号）")
    document_number = factory.Sequence(lambda n: f"工信部企业〔2025〕{n}号")
    issuer = "工业和信息化部"
    level = "national"
    region_code = ""
    published_on = datetime.date(2025, 3, 1)
    categories = factory.LazyFunction(lambda: ["digital"])
    summary = "对实施数字化改造的中小企业给予补贴。"
    full_text = "为推动中小企业数字化转型，制定本措施。"
    benefit_type = "subsidy"
    status = PolicyStatus.PUBLISHED

    class Params:
        live = factory.Trait(
            published_on=factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=30)),
            valid_from=factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=30)),
            valid_until=factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=365)),
            max_amount=500_000,
        )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        record = {name: kwargs.get(name) for name in FIELDS}
        kwargs.setdefault("content_hash", identity_key(record))
        kwargs.setdefault("search_vector", search_document(record))
        return super()._create(model_class, *args, **kwargs)
