"""The only writer of ledger rows, and the programme lock every money movement takes first.

Lock order, everywhere in this app, so that concurrent transactions cannot deadlock: the
programme row, then voucher rows by primary key, then claim rows. Every movement of money
holds the programme lock, which serialises the programme's ledger: the next sequence number
and the available balance are read and written under it. Two defences stay in the database
even for a code path that forgot the lock: `(programme, seq)` is unique, so two writers that
read the same last row cannot both append, and `available_after >= 0` is a check constraint,
so no row can record an overspent budget.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from cluster_platform.exceptions import Conflict
from programmes.models import MOVEMENT_BUCKETS, Bucket, LedgerEntry, Movement, Voucher, VoucherProgramme


class BudgetExhausted(Conflict):
    default_code = "budget_exhausted"


def programme_lock(*, programme_id) -> VoucherProgramme:
    """The programme row, locked until the transaction ends (call inside transaction.atomic)."""
    return VoucherProgramme.objects.select_for_update().get(pk=programme_id)


def ledger_append(
    *,
    programme: VoucherProgramme,
    kind: str,
    from_bucket: str,
    to_bucket: str,
    amount: Decimal,
    voucher: Voucher | None = None,
    actor=None,
    memo: str = "",
) -> LedgerEntry:
    """Append one movement. The caller holds the programme lock (`programme_lock`)."""
    if (kind, from_bucket, to_bucket) not in MOVEMENT_BUCKETS:
        raise ValueError(f"not a ledger movement: {kind} {from_bucket} -> {to_bucket}")
    last = (
        LedgerEntry.objects.filter(programme=programme)
        .order_by("-seq")
        .values_list("seq", "available_after")
        .first()
    )
    seq, available = (last[0] + 1, last[1]) if last else (1, Decimal("0"))
    if to_bucket == Bucket.AVAILABLE:
        available += amount
    if from_bucket == Bucket.AVAILABLE:
        available -= amount
    if available < 0:
        raise BudgetExhausted(
            _("The programme's budget is exhausted: %(needed)s CNY needed, %(left)s CNY available.")
            % {"needed": amount, "left": available + amount}
        )
    return LedgerEntry.objects.create(
        cluster_id=programme.cluster_id,
        programme=programme,
        voucher=voucher,
        seq=seq,
        kind=kind,
        from_bucket=from_bucket,
        to_bucket=to_bucket,
        amount=amount,
        available_after=available,
        actor=actor if actor is not None and actor.is_authenticated else None,
        memo=memo[:255],
    )


def ledger_fund(*, programme: VoucherProgramme, amount: Decimal, actor=None, memo: str = "") -> LedgerEntry:
    return ledger_append(
        programme=programme,
        kind=Movement.FUND,
        from_bucket=Bucket.EXTERNAL,
        to_bucket=Bucket.AVAILABLE,
        amount=amount,
        actor=actor,
        memo=memo,
    )
