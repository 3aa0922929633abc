"""The net-cost answer for an SME looking at an offering: its voucher, covering policies, near misses."""

from decimal import Decimal

import pytest
from django.utils import timezone

from policies.models import Policy
from programmes.services.vouchers import voucher_issue
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def _policy(scene, **fields):
    return Policy.objects.create(
        title=fields.pop("title", "无锡市中小企业数字化转型补贴"),
        issuer="无锡市工业和信息化局",
        level="municipal",
        region_code="320200",
        status="published",
        content_hash=fields.pop("content_hash", "net-cost-1"),
        valid_from=timezone.localdate().replace(month=1, day=1),
        covers_share=Decimal("0.2"),
        covers_cap=Decimal("20000"),
        **fields,
    )


def test_voucher_policy_and_near_miss_lines(scene, client_for):
    scene.offering.price_min, scene.offering.price_max = Decimal("100000"), Decimal("300000")
    scene.offering.save()
    programme = scene.programme(per_sme_cap=Decimal("50000"))
    voucher = voucher_issue(programme=programme, sme=scene.sme, by=scene.admin)
    city = _policy(scene, max_public_share=Decimal("0.7"))
    _policy(
        scene,
        title="高新技术企业上云补贴",
        content_hash="net-cost-2",
        eligibility_rule={"fact": "employees", "op": "gte", "value": 1000},
    )
    url = f"/api/v1/clusters/{scene.cluster.slug}/net-costs/?offering={scene.offering.pk}"
    body = client_for(scene.sme_user).get(url).json()
    assert body["priced"] is True
    low, high = body["low"], body["high"]
    assert [(line["key"], line["amount"], line["limited_by"]) for line in low["lines"]] == [
        (f"voucher:{voucher.pk}", "30000.00", "share"),
        (f"policy:{city.pk}", "20000.00", "share"),
    ]
    assert low["net"] == "50000.00"
    assert [(line["amount"], line["limited_by"]) for line in high["lines"]] == [
        ("50000.00", "cap"),
        ("20000.00", "cap"),
    ]
    assert high["net"] == "230000.00"
    assert [(miss["title"], miss["would_save"]) for miss in body["near_misses"]] == [
        ("高新技术企业上云补贴", "20000.00")
    ]


def test_an_offering_on_quotation_has_no_net_cost_and_others_answer_400(scene, client_for):
    base = f"/api/v1/clusters/{scene.cluster.slug}/net-costs/"
    client = client_for(scene.sme_user)
    body = client.get(base, {"offering": str(scene.offering.pk)}).json()
    assert body["priced"] is False
    draft = OfferingFactory(cluster=scene.cluster, partner=scene.partner, status="draft")
    assert client.get(base, {"offering": str(draft.pk)}).status_code == 400
    assert client.get(base, {"offering": "nope"}).status_code == 400
    assert client_for(scene.partner_user).get(base, {"offering": str(scene.offering.pk)}).status_code == 403
