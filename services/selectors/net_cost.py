"""What an SME pays for offerings after its subsidies: an extension point of the catalog.

The catalog knows an offering's price; the subsidies an SME can stack on it (its service
vouchers, the policies whose `covers` benefit applies) belong to `programmes`, a layer above,
which the catalog may not import. So the catalog owns this hook and the answer's shape, and
`programmes` registers the one provider in its `AppConfig.ready()`. The catalog's API and
matching's recommendation API ask `offering_net_costs` for a whole page at once: the provider
loads the SME's vouchers and covering policies once and prices every offering from them.

Without a provider (programmes not installed) nothing has a net cost, and the API says so.
"""

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import TypedDict

from cluster_platform.models import Cluster
from enterprises.models import Enterprise
from services.models import Offering


class NetCostLine(TypedDict):
    key: str  # the source: "voucher:<id>" or "policy:<id>"
    title: str
    amount: Decimal
    limited_by: str  # "share", "cap", "total_share_cap:<source>", "exclusive_with:<source>"


class NetCostAtPrice(TypedDict):
    price: Decimal
    lines: list[NetCostLine]
    excluded: list[NetCostLine]
    subsidy: Decimal
    net: Decimal


class NearMissSaving(TypedDict):
    key: str
    title: str
    would_save: Decimal
    unmet: list[str]


class OfferingNetCost(TypedDict):
    priced: bool  # False for an offering on quotation: there is no price to subsidise
    low: NetCostAtPrice | None  # at the low end of the price range
    high: NetCostAtPrice | None
    near_misses: list[NearMissSaving]


# (*, cluster, sme, offerings) -> {offering id: its net cost}; offerings come with `category`.
NetCostProvider = Callable[..., Mapping[object, OfferingNetCost]]

_provider: NetCostProvider | None = None


def net_cost_provider_register(provider: NetCostProvider) -> None:
    """Install the provider (called once, from the providing app's `ready()`)."""
    global _provider
    if _provider is not None and _provider is not provider:
        raise RuntimeError("A net-cost provider is already registered; the catalog takes one.")
    _provider = provider


def net_cost_available() -> bool:
    return _provider is not None


def offering_net_costs(
    *, cluster: Cluster, sme: Enterprise, offerings: Iterable[Offering]
) -> dict[object, OfferingNetCost]:
    """Offering id -> what `sme` pays for it in `cluster`, for every offering given (a page).

    Offerings should come with `category` loaded (`select_related`): the provider reads the
    category and its parent to decide which subsidies cover it."""
    offerings = list(offerings)
    if _provider is None or not offerings:
        return {}
    return dict(_provider(cluster=cluster, sme=sme, offerings=offerings))
