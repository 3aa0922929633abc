"""The voucher figures in the agency's KPIs (programmes/stats.py, through the console's stats
API): fresh after every movement of money, and a redeemed voucher starts transformation."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from programmes.services.vouchers import voucher_approve, voucher_redeem
from tests.programmes.factories import VoucherFactory

pytestmark = pytest.mark.django_db


def _figures(client_for, scene) -> dict:
    response = client_for(scene.viewer).get(f"/api/v1/clusters/{scene.cluster.slug}/stats/")
    assert response.status_code == 200, response.content
    return response.json()["figures"]


def test_the_figures_follow_each_voucher_decision(scene, client_for, django_capture_on_commit_callbacks):
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        programme = scene.programme(
            budget=Decimal("300000.00"), per_sme_cap=Decimal("50000.00"), coverage_share=Decimal("0.300")
        )
        voucher = VoucherFactory(programme=programme, sme=scene.sme)
    before = _figures(client_for, scene)
    assert before["vouchers"]["budget"] == "300000.00" == before["vouchers"]["available"]
    assert before["vouchers"]["vouchers"] == 1 and before["vouchers"]["vouchers_issued"] == 0
    assert before["transformation"]["started"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        voucher_approve(voucher=voucher, by=scene.admin)
    approved = _figures(client_for, scene)["vouchers"]
    assert approved["vouchers_issued"] == 1 and approved["vouchers_issued_series"][-1] == 1
    assert (approved["available"], approved["reserved"]) == ("250000.00", "50000.00")

    with django_capture_on_commit_callbacks(execute=True):
        voucher_redeem(
            voucher=voucher, engagement=scene.engagement(), contract_price=Decimal("100000.00"), by=None
        )
    redeemed = _figures(client_for, scene)
    assert redeemed["vouchers"]["vouchers_redeemed"] == 1
    # 30% of 100,000 is committed; the rest of the 50,000 voucher goes back to the budget.
    assert (redeemed["vouchers"]["reserved"], redeemed["vouchers"]["committed"]) == ("0.00", "30000.00")
    assert redeemed["vouchers"]["available"] == "270000.00"
    assert redeemed["vouchers"]["redeemed_series"][-1] == "30000.00"
    # The SME had no accepted engagement and no assessment: the redemption is its start.
    assert redeemed["transformation"]["started"] == 1
