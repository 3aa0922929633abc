"""What an SME pays for a service after the subsidies it can stack (pure, no ORM).

Each subsidy covers a share of the price up to a cap. Stacking rules come from the sources:
an exclusive source combines with nothing else; a source may name others it excludes (either
side naming the other is enough); a source may cap the total public share of the price while
it is used (the strictest cap of the chosen sources applies). Among the combinations the rules
allow, the one that saves the SME the most is chosen (ties: the one listed first in `sources`
order wins); sources are few (an SME's vouchers and covering policies), so every combination is
tried. Each line says which rule limited it.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations

CENT = Decimal("0.01")
MAX_SOURCES = 12  # 4,096 combinations at most


@dataclass(frozen=True)
class Subsidy:
    key: str  # e.g. "voucher:<id>" or "policy:<id>"
    title: str
    share: Decimal
    cap: Decimal | None = None
    stackable: bool = True
    excludes: frozenset[str] = frozenset()
    max_public_share: Decimal | None = None


@dataclass
class Line:
    key: str
    title: str
    amount: Decimal
    limited_by: str  # "share", "cap", "total_share_cap:<key>", or an exclusion "exclusive_with:<key>"


@dataclass
class NetCost:
    price: Decimal
    lines: list[Line] = field(default_factory=list)
    excluded: list[Line] = field(default_factory=list)
    subsidy: Decimal = Decimal("0.00")
    net: Decimal = Decimal("0.00")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def standalone(source: Subsidy, price: Decimal) -> tuple[Decimal, str]:
    """What the source alone pays towards `price`, and whether its share or its cap decided."""
    by_share = _money(source.share * price)
    if source.cap is not None and source.cap < by_share:
        return _money(source.cap), "cap"
    return by_share, "share"


def _conflict(a: Subsidy, b: Subsidy) -> bool:
    return not a.stackable or not b.stackable or b.key in a.excludes or a.key in b.excludes


def _compatible(chosen: tuple[Subsidy, ...]) -> bool:
    return all(not _conflict(a, b) for a, b in combinations(chosen, 2))


def _lines(chosen: tuple[Subsidy, ...], price: Decimal) -> list[Line]:
    lines = []
    for source in chosen:
        amount, limited_by = standalone(source, price)
        lines.append(Line(source.key, source.title, amount, limited_by))
    caps = [(source.max_public_share, source.key) for source in chosen if source.max_public_share is not None]
    if caps:
        share, key = min(caps)
        room = _money(share * price)
        # Trim from the last line backwards, so the earlier (larger) sources keep their amounts.
        for line in reversed(lines):
            total = sum((item.amount for item in lines), Decimal("0"))
            if total <= room:
                break
            cut = min(line.amount, total - room)
            line.amount -= cut
            line.limited_by = f"total_share_cap:{key}"
    return [line for line in lines if line.amount > 0]


def net_cost(*, price: Decimal, sources: list[Subsidy]) -> NetCost:
    if len(sources) > MAX_SOURCES:
        # Keep the largest standalone subsidies; the rest could not beat them in any sensible mix.
        sources = sorted(sources, key=lambda s: standalone(s, price)[0], reverse=True)[:MAX_SOURCES]
    best: tuple[Decimal, tuple[int, ...], list[Line]] | None = None
    indexed = list(enumerate(sources))
    for size in range(len(sources), -1, -1):
        for group in combinations(indexed, size):
            chosen = tuple(source for _index, source in group)
            if not _compatible(chosen):
                continue
            lines = _lines(chosen, price)
            total = sum((line.amount for line in lines), Decimal("0"))
            order = tuple(index for index, _source in group)
            if best is None or total > best[0] or (total == best[0] and order < best[1]):
                best = (total, order, lines)
    total, order, lines = best if best is not None else (Decimal("0"), (), [])
    chosen_keys = {sources[index].key for index in order}
    excluded = []
    for source in sources:
        if source.key in chosen_keys:
            continue
        blocker = next(
            (sources[index].key for index in order if _conflict(source, sources[index])), "no_saving"
        )
        amount, _limit = standalone(source, price)
        excluded.append(Line(source.key, source.title, amount, f"exclusive_with:{blocker}"))
    total = min(_money(total), price)
    return NetCost(price=price, lines=lines, excluded=excluded, subsidy=total, net=price - total)
