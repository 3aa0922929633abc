"""The ledger: append-only in the database, balances derived from it, reconciliation to zero."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import InternalError

from programmes.models import Bucket, LedgerEntry, Movement
from programmes.selectors.ledger import programme_balances, programme_reconciliation
from programmes.services.ledger import BudgetExhausted, ledger_append, programme_lock
from programmes.services.vouchers import voucher_approve, voucher_redeem
from tests.programmes.factories import VoucherFactory

pytestmark = pytest.mark.django_db


def _raw(sql: str, params) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE programmes_ledgerentry SET amount = amount + 1 WHERE id = %s",
        "UPDATE programmes_ledgerentry SET memo = 'edited' WHERE id = %s",
        "DELETE FROM programmes_ledgerentry WHERE id = %s",
    ],
)
def test_raw_sql_cannot_change_or_delete_a_ledger_row(scene, sql):
    programme = scene.programme()
    entry = LedgerEntry.objects.get(programme=programme)
    with pytest.raises((IntegrityError, InternalError), match="append-only"):
        _raw(sql, [entry.pk])
    entry.refresh_from_db()
    assert (entry.amount, entry.memo) == (programme.budget, "initial budget")


def test_the_orm_cannot_delete_a_ledger_row_either(scene):
    programme = scene.programme()
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        LedgerEntry.objects.filter(programme=programme).delete()
    assert LedgerEntry.objects.filter(programme=programme).count() == 1


def test_a_movement_the_table_does_not_know_is_refused_by_the_database(scene):
    programme = scene.programme()
    with pytest.raises(IntegrityError, match="ledger_movement_buckets"), transaction.atomic():
        LedgerEntry.objects.create(
            cluster=scene.cluster,
            programme=programme,
            seq=2,
            kind=Movement.PAY,
            from_bucket=Bucket.AVAILABLE,
            to_bucket=Bucket.PAID,
            amount=Decimal("1"),
            available_after=Decimal("0"),
            voucher=VoucherFactory(programme=programme, sme=scene.sme),
        )


def test_a_negative_running_balance_is_refused_by_the_database(scene):
    programme = scene.programme(budget=Decimal("100"), per_sme_cap=Decimal("100"))
    voucher = VoucherFactory(programme=programme, sme=scene.sme)
    with pytest.raises(IntegrityError, match="ledger_never_overspent"), transaction.atomic():
        LedgerEntry.objects.create(
            cluster=scene.cluster,
            programme=programme,
            voucher=voucher,
            seq=2,
            kind=Movement.RESERVE,
            from_bucket=Bucket.AVAILABLE,
            to_bucket=Bucket.RESERVED,
            amount=Decimal("150"),
            available_after=Decimal("-50"),
        )


def test_two_rows_with_one_sequence_number_are_refused(scene):
    """A writer that skipped the programme lock and read the same last row cannot append."""
    programme = scene.programme()
    with pytest.raises(IntegrityError, match="uniq_ledger_seq"), transaction.atomic():
        LedgerEntry.objects.create(
            cluster=scene.cluster,
            programme=programme,
            seq=1,
            kind=Movement.FUND,
            from_bucket=Bucket.EXTERNAL,
            to_bucket=Bucket.AVAILABLE,
            amount=Decimal("1"),
            available_after=programme.budget + 1,
        )


def test_ledger_append_refuses_to_overspend(scene):
    programme = scene.programme(budget=Decimal("100"), per_sme_cap=Decimal("100"))
    voucher = VoucherFactory(programme=programme, sme=scene.sme, amount=Decimal("100.01"))
    with pytest.raises(BudgetExhausted), transaction.atomic():
        ledger_append(
            programme=programme_lock(programme_id=programme.pk),
            voucher=voucher,
            kind=Movement.RESERVE,
            from_bucket=Bucket.AVAILABLE,
            to_bucket=Bucket.RESERVED,
            amount=voucher.amount,
        )
    assert programme_balances(programme=programme)[Bucket.AVAILABLE] == Decimal("100")


def test_balances_follow_the_movements_and_reconcile(scene):
    programme = scene.programme(budget=Decimal("200000"), per_sme_cap=Decimal("50000"))
    voucher = voucher_approve(voucher=VoucherFactory(programme=programme, sme=scene.sme), by=scene.admin)
    balances = programme_balances(programme=programme)
    assert balances[Bucket.AVAILABLE] == Decimal("150000")
    assert balances[Bucket.RESERVED] == Decimal("50000")

    # 30 % of 100,000 is 30,000: the other 20,000 of the voucher goes back to the budget.
    voucher_redeem(
        voucher=voucher, engagement=scene.engagement(), contract_price=Decimal("100000"), by=scene.sme_user
    )
    report = programme_reconciliation(programme=programme)
    assert (report.available, report.reserved, report.committed, report.paid, report.released) == (
        Decimal("170000"),
        Decimal("0"),
        Decimal("30000"),
        Decimal("0"),
        Decimal("20000"),
    )
    assert report.difference == 0
    assert report.balanced
    assert [row.kind for row in LedgerEntry.objects.filter(programme=programme)] == [
        "fund",
        "reserve",
        "redeem",
        "release",
    ]
