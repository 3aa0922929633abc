"""Policies for the eligibility tests, created directly (published, national, open now)."""

import datetime

import factory

from policies.models import Policy, PolicyLevel, PolicyStatus


class EligibilityPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy

    title = factory.Sequence(lambda n: f"中小企业发展专项资金{n}")
    issuer = "工业和信息化部"
    level = PolicyLevel.NATIONAL
    region_code = ""
    status = PolicyStatus.PUBLISHED
    published_on = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=30))
    valid_from = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=30))
    valid_until = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=365))
    max_amount = 500_000
    eligibility_rule = factory.LazyFunction(dict)
    # The library's identity (unique per cluster); any distinct value will do here.
    content_hash = factory.Sequence(lambda n: f"eligibility-test-{n}")
