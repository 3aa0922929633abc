"""Under any interleaving the budget is never overspent and a voucher is never spent twice.

Each racer runs in its own thread with its own database connection (tests.utils.race), so the
transactions really contend in PostgreSQL; after every race the ledger reconciles to zero.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cluster_platform.exceptions import Conflict
from programmes.models import LedgerEntry, Voucher, VoucherStatus
from programmes.selectors.ledger import programme_reconciliation
from programmes.services.ledger import BudgetExhausted
from programmes.services.vouchers import voucher_apply, voucher_approve, voucher_redeem, vouchers_expire
from services.models import Category
from services.taxonomy import category_tree_sync
from tests.programmes.conftest import build_scene
from tests.services.factories import OfferingFactory
from tests.utils import race

pytestmark = pytest.mark.django_db(transaction=True)

APPLICANTS = 50
FITS = 20
CAP = Decimal("30000.00")


@pytest.fixture(autouse=True)
def taxonomy():
    """Transactional tests start from flushed tables: reinstall the taxonomy the migration ships."""
    category_tree_sync(Category)


def _reconciles(programme) -> None:
    report = programme_reconciliation(programme=programme)
    assert report.balanced, report.as_dict()
    assert report.difference == 0


def test_fifty_concurrent_applications_never_overspend_the_budget():
    scene = build_scene()
    programme = scene.programme(budget=CAP * FITS + Decimal("12345.67"), per_sme_cap=CAP)
    smes = [scene.new_sme()[1] for _ in range(APPLICANTS)]

    def apply_and_approve(sme):
        def job():
            voucher = voucher_apply(programme=programme, sme=sme, by=None)
            return voucher_approve(voucher=voucher, by=scene.admin)

        return job

    results = race(*[apply_and_approve(sme) for sme in smes])

    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, BudgetExhausted)]
    assert not unexpected, unexpected
    approved = [r for r in results if isinstance(r, Voucher)]
    assert len(approved) == FITS
    assert Voucher.objects.filter(programme=programme, status=VoucherStatus.APPROVED).count() == FITS
    # The losers keep their application: the agency may approve them if money comes back.
    assert (
        Voucher.objects.filter(programme=programme, status=VoucherStatus.APPLIED).count() == APPLICANTS - FITS
    )
    report = programme_reconciliation(programme=programme)
    assert report.reserved == CAP * FITS
    assert report.available == Decimal("12345.67")
    _reconciles(programme)
    assert list(LedgerEntry.objects.filter(programme=programme).values_list("seq", flat=True)) == list(
        range(1, FITS + 2)
    )


def test_twenty_concurrent_redemptions_of_one_voucher_spend_it_once():
    scene = build_scene()
    programme = scene.programme(per_sme_cap=CAP)
    voucher = voucher_approve(
        voucher=voucher_apply(programme=programme, sme=scene.sme, by=None), by=scene.admin
    )
    engagements = []
    for _ in range(20):
        scene.offering = OfferingFactory(
            cluster=scene.cluster, partner=scene.partner, category_id="saas-mes", voucher_eligible=True
        )
        engagements.append(scene.engagement())

    results = race(
        *[
            (
                lambda engagement=engagement: voucher_redeem(
                    voucher=voucher, engagement=engagement, contract_price=Decimal("80000"), by=scene.sme_user
                )
            )
            for engagement in engagements
        ]
    )

    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, Conflict)]
    assert not unexpected, unexpected
    assert sum(isinstance(r, Voucher) for r in results) == 1
    assert LedgerEntry.objects.filter(voucher=voucher, kind="redeem").count() == 1
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.REDEEMED
    assert voucher.subsidy == Decimal("24000.00")
    _reconciles(programme)


def test_expiry_racing_a_redemption_moves_the_money_once():
    scene = build_scene()
    programme = scene.programme(per_sme_cap=CAP, voucher_validity_days=1)
    voucher = voucher_approve(
        voucher=voucher_apply(programme=programme, sme=scene.sme, by=None),
        by=scene.admin,
        today=timezone.localdate() - timedelta(days=2),
    )
    # The voucher is past its validity: the redemption refuses on its own, the expiry wins or waits.
    engagement = scene.engagement()
    results = race(
        lambda: vouchers_expire(),
        lambda: voucher_redeem(
            voucher=voucher,
            engagement=engagement,
            contract_price=Decimal("10000"),
            by=scene.sme_user,
            today=timezone.localdate() - timedelta(days=2),
        ),
    )
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, Conflict)], results
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.EXPIRED
    assert LedgerEntry.objects.filter(voucher=voucher, kind="expire").count() == 1
    _reconciles(programme)
