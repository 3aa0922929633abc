from typing import NamedTuple

import factory

from cluster_platform.models import User
from enterprises.models import (
    Assessment,
    Enterprise,
    EnterpriseRole,
    EnterpriseUser,
    Membership,
    MembershipRole,
    MembershipStatus,
    SizeClass,
)
from enterprises.uscc import uscc_compose
from tests.cluster_platform.factories import ClusterFactory, UserFactory


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    uscc = factory.Sequence(lambda n: uscc_compose(region_code="320214", serial=10_000 + n))
    name = factory.Sequence(lambda n: f"无锡测试科技有限公司{n}")
    region_code = "320214"
    industry_code = "C39"
    employees = 80
    operating_revenue = 30_000_000
    size_class = SizeClass.SMALL


class EnterpriseUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnterpriseUser

    enterprise = factory.SubFactory(EnterpriseFactory)
    user = factory.SubFactory(UserFactory)
    role = EnterpriseRole.OWNER


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    cluster = factory.SubFactory(ClusterFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    role = MembershipRole.SME
    status = MembershipStatus.APPROVED


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    cluster = factory.SubFactory(ClusterFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    questionnaire_version = "v1"
    answers = factory.LazyFunction(dict)
    score = 35
    level = 1
    dimension_scores = factory.LazyFunction(
        lambda: {"foundation": 10, "operation": 10, "management": 10, "outcome": 5}
    )
    weakest_dimensions = factory.LazyFunction(lambda: ["operation"])


class Member(NamedTuple):
    """A user and the enterprise it owns (none for a user of no enterprise)."""

    user: User
    enterprise: Enterprise | None


def member_user(
    cluster,
    role: str = MembershipRole.SME,
    *,
    status: str = MembershipStatus.APPROVED,
    partner_tier: str | None = None,
    **enterprise_fields,
) -> Member:
    """A new user owning a new enterprise that is a member of `cluster` in `role`: the one way
    tests make an SME's or a partner's user.

    Partners join certified unless told otherwise, so that they may publish at once.
    """
    user = UserFactory()
    enterprise = EnterpriseFactory(**enterprise_fields)
    EnterpriseUserFactory(user=user, enterprise=enterprise)
    if partner_tier is None:
        partner_tier = "certified" if role == MembershipRole.PARTNER else ""
    MembershipFactory(
        cluster=cluster, enterprise=enterprise, role=role, status=status, partner_tier=partner_tier
    )
    return Member(user, enterprise)
