"""The voucher programmes' figures in the agency's KPIs (the console's extension point,
docs/console.md), over a set of clusters, and the start of digital transformation a redeemed
voucher marks.

Money comes from the ledger, the programmes' only record of it (balances are what flowed into
a bucket minus what flowed out); counts and monthly series come from the vouchers' own
decision and redemption times. Amounts are CNY strings with two decimals, as in the API.
"""

from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery, Sum

from cluster_platform.monthly import StatsScope, grouped_counts, monthly_series
from programmes.models import (
    Bucket,
    ClaimStatus,
    LedgerEntry,
    Movement,
    Voucher,
    VoucherClaim,
    VoucherProgramme,
    VoucherStatus,
)

ZERO = Decimal("0.00")
# A voucher in any of these states was approved or issued once (it held part of the budget).
NEVER_ISSUED = (VoucherStatus.APPLIED, VoucherStatus.REJECTED)


def _money(value) -> str:
    return str((value or ZERO).quantize(ZERO))


def voucher_figures(scope: StatsScope) -> dict:
    """The programmes' budget and where it stands (available, reserved for approved vouchers,
    committed to redeemed ones, paid out), the subsidies redeemed so far; vouchers issued
    and redeemed, by status and per month; subsidies redeemed and paid per month."""
    ids = scope.cluster_ids
    programmes = VoucherProgramme.objects.filter(cluster_id__in=ids).aggregate(
        count=Count("pk"), budget=Sum("budget")
    )
    flows = {}
    for bucket in (Bucket.AVAILABLE, Bucket.RESERVED, Bucket.COMMITTED, Bucket.PAID):
        flows[f"in_{bucket}"] = Sum("amount", filter=Q(to_bucket=bucket), default=ZERO)
        flows[f"out_{bucket}"] = Sum("amount", filter=Q(from_bucket=bucket), default=ZERO)
    flows["redeemed"] = Sum("amount", filter=Q(kind=Movement.REDEEM), default=ZERO)
    ledger = LedgerEntry.objects.filter(cluster_id__in=ids).aggregate(**flows)

    vouchers = Voucher.objects.filter(cluster_id__in=ids)
    issued = vouchers.exclude(status__in=NEVER_ISSUED)
    redeemed = vouchers.filter(redeemed_at__isnull=False)
    paid_claims = VoucherClaim.objects.filter(cluster_id__in=ids, status=ClaimStatus.APPROVED)
    return {
        "programmes": programmes["count"],
        "budget": _money(programmes["budget"]),
        **{
            bucket: _money(ledger[f"in_{bucket}"] - ledger[f"out_{bucket}"])
            for bucket in (Bucket.AVAILABLE, Bucket.RESERVED, Bucket.COMMITTED, Bucket.PAID)
        },
        "redeemed": _money(ledger["redeemed"]),
        "vouchers": vouchers.count(),
        "vouchers_issued": issued.count(),
        "vouchers_redeemed": redeemed.count(),
        "by_status": grouped_counts(vouchers, "status"),
        "vouchers_issued_series": monthly_series(
            issued, at="decided_at", scope=scope, make=lambda q: Count("pk", filter=q)
        ),
        "vouchers_redeemed_series": monthly_series(
            redeemed, at="redeemed_at", scope=scope, make=lambda q: Count("pk", filter=q)
        ),
        "redeemed_series": [
            _money(value)
            for value in monthly_series(
                redeemed, at="redeemed_at", scope=scope, make=lambda q: Sum("subsidy", filter=q)
            )
        ],
        "paid_series": [
            _money(value)
            for value in monthly_series(
                paid_claims, at="decided_at", scope=scope, make=lambda q: Sum("amount", filter=q)
            )
        ],
    }


def first_redeemed_voucher(scope: StatsScope) -> Subquery:
    """When the enterprise OuterRef("pk") first redeemed a voucher in the clusters: redeeming
    one starts its digital transformation (a partner is engaged for it, paid partly by the
    programme)."""
    return Subquery(
        Voucher.objects.filter(
            cluster_id__in=scope.cluster_ids, sme=OuterRef("pk"), redeemed_at__isnull=False
        )
        .order_by("redeemed_at")
        .values("redeemed_at")[:1]
    )


FIGURES = {"vouchers": voucher_figures}
TRANSFORMATION_STARTS = [first_redeemed_voucher]
