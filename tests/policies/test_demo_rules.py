import io
from datetime import date

import pytest

from cluster_platform.models import Notification
from demo import policy_rules as demo_rules
from policies.eligibility.calculator import enterprise_policy_matches
from policies.models import Policy
from tests.cluster_platform.factories import ClusterFactory
from tests.enterprises.factories import EnterpriseFactory, EnterpriseUserFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_demo_rules_seed_is_idempotent_and_yields_eligible_smes_and_near_misses(
    django_capture_on_commit_callbacks,
):
    wuxi = ClusterFactory(slug="wuxi-iot", region_code="320214")
    ClusterFactory(slug="gd-bags", region_code="440114")
    profile = {
        "region_code": "320214",
        "industry_code": "C39",
        "size_class": "small",
        "operating_revenue": 40_000_000,
        "rd_spend": 2_000_000,
        "founded_on": date(2018, 3, 1),
        "digital_maturity_level": 2,
    }
    qualifying = EnterpriseFactory(employees=120, **profile)
    near = EnterpriseFactory(employees=320, **profile)  # over the 300-employee diagnosis ceiling
    for enterprise in (qualifying, near):
        MembershipFactory(cluster=wuxi, enterprise=enterprise)
        EnterpriseUserFactory(enterprise=enterprise)

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        demo_rules.seed(stdout=out)
    assert "6 created" in out.getvalue()
    notifications = Notification.objects.count()
    assert notifications > 0

    again = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        demo_rules.seed(stdout=again)
    assert "0 created, 0 updated, 6 unchanged" in again.getvalue()
    assert Policy.objects.count() == 6 and Notification.objects.count() == notifications

    titles = [
        item["policy"].title
        for item in enterprise_policy_matches(enterprise=qualifying)["eligible"]["results"]
    ]
    assert "江苏省中小企业“智改数转”免费诊断服务实施方案" in titles
    assert "无锡物联网产业集群会员企业上云用平台奖励" in titles
    near_misses = {
        item["policy"].title: [condition["fact"] for condition in item["unmet"]]
        for item in enterprise_policy_matches(enterprise=near)["near_misses"]["results"]
    }
    assert near_misses["江苏省中小企业“智改数转”免费诊断服务实施方案"] == ["employees"]
    # Either qualification would do for the R&D deduction coaching: both are listed.
    assert near_misses["科技型中小企业研发费用加计扣除辅导服务"] == ["qualifications", "qualifications"]
