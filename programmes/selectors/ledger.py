"""Balances and the reconciliation report, derived from the ledger (never stored)."""

from dataclasses import asdict, dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from cluster_platform.models import Cluster
from programmes.models import Bucket, LedgerEntry, Movement, Voucher, VoucherProgramme, VoucherStatus

ZERO = Decimal("0.00")


def ledger_list(*, cluster: Cluster, programme: VoucherProgramme | None = None) -> QuerySet[LedgerEntry]:
    rows = LedgerEntry.objects.filter(cluster=cluster)
    if programme is not None:
        rows = rows.filter(programme=programme)
    return rows.order_by("programme_id", "seq", "id")


def programme_balances(*, programme: VoucherProgramme) -> dict[str, Decimal]:
    """Each bucket's balance: what flowed in minus what flowed out, over the whole ledger."""
    aggregates = {}
    for bucket in Bucket.values:
        aggregates[f"in_{bucket}"] = Sum("amount", filter=Q(to_bucket=bucket), default=ZERO)
        aggregates[f"out_{bucket}"] = Sum("amount", filter=Q(from_bucket=bucket), default=ZERO)
    sums = LedgerEntry.objects.filter(programme=programme).aggregate(**aggregates)
    return {bucket: sums[f"in_{bucket}"] - sums[f"out_{bucket}"] for bucket in Bucket.values}


@dataclass
class Reconciliation:
    """Budget against the buckets and against the vouchers' own states; every difference is 0."""

    budget: Decimal
    funded: Decimal
    available: Decimal
    reserved: Decimal
    committed: Decimal
    paid: Decimal
    released: Decimal
    # funded - (available + reserved + committed + paid): money that went nowhere, or came from nowhere.
    difference: Decimal
    # The budget the agency set against what the ledger funded.
    budget_difference: Decimal
    # The last row's running balance against the sum: a chain that forked would differ.
    running_balance_difference: Decimal
    # Reserved, committed and paid against the sums of the vouchers in those states.
    vouchers_reserved: Decimal
    vouchers_committed: Decimal
    vouchers_paid: Decimal
    entries: int

    @property
    def balanced(self) -> bool:
        return (
            self.difference == 0
            and self.budget_difference == 0
            and self.running_balance_difference == 0
            and self.vouchers_reserved == self.reserved
            and self.vouchers_committed == self.committed
            and self.vouchers_paid == self.paid
        )

    def as_dict(self) -> dict:
        return {**asdict(self), "balanced": self.balanced}


def programme_reconciliation(*, programme: VoucherProgramme) -> Reconciliation:
    balances = programme_balances(programme=programme)
    # The budget as stored now, not as the caller's (possibly older) instance remembers it.
    budget = VoucherProgramme.objects.values_list("budget", flat=True).get(pk=programme.pk)
    funded = -balances[Bucket.EXTERNAL]
    released = LedgerEntry.objects.filter(
        programme=programme, kind__in=[Movement.RELEASE, Movement.EXPIRE, Movement.REJECT]
    ).aggregate(total=Sum("amount", default=ZERO))["total"]
    last = (
        LedgerEntry.objects.filter(programme=programme).order_by("-seq").values_list("available_after", "seq")
    )
    last_available, entries = last.first() or (ZERO, 0)
    vouchers = Voucher.objects.filter(programme=programme).aggregate(
        reserved=Sum("amount", filter=Q(status=VoucherStatus.APPROVED), default=ZERO),
        committed=Sum(
            "subsidy", filter=Q(status__in=[VoucherStatus.REDEEMED, VoucherStatus.CLAIMED]), default=ZERO
        ),
        paid=Sum("subsidy", filter=Q(status=VoucherStatus.PAID), default=ZERO),
    )
    held = (
        balances[Bucket.AVAILABLE]
        + balances[Bucket.RESERVED]
        + balances[Bucket.COMMITTED]
        + balances[Bucket.PAID]
    )
    return Reconciliation(
        budget=budget,
        funded=funded,
        available=balances[Bucket.AVAILABLE],
        reserved=balances[Bucket.RESERVED],
        committed=balances[Bucket.COMMITTED],
        paid=balances[Bucket.PAID],
        released=released,
        difference=funded - held,
        budget_difference=budget - funded,
        running_balance_difference=last_available - balances[Bucket.AVAILABLE],
        vouchers_reserved=vouchers["reserved"],
        vouchers_committed=vouchers["committed"],
        vouchers_paid=vouchers["paid"],
        entries=entries,
    )
