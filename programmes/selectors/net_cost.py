"""An SME's net cost of offerings: its vouchers and the policies whose `covers` benefit applies.

Set-based: `sme_subsidies` loads what the SME holds and qualifies for once (its vouchers, the
covering policies it meets and those it misses by one condition), and `net_cost_of` prices any
number of offerings from that without another query. A catalog page, a list of recommendations
and the single-offering endpoint all go through `offering_net_costs`, which is also the provider
registered with the catalog (`services.selectors.net_cost`).
"""

from dataclasses import asdict, dataclass, field
from datetime import date

from django.utils import timezone

from cluster_platform.models import Cluster
from enterprises.models import Enterprise
from policies.eligibility.calculator import candidate_policies, enterprise_facts
from policies.models import Policy
from policies.rules.explanation import explain
from programmes.models import Voucher, VoucherStatus
from programmes.net_cost import Subsidy, net_cost, standalone
from programmes.services.vouchers import offering_in_categories
from services.models import Offering
from services.selectors.net_cost import OfferingNetCost


@dataclass(frozen=True)
class CoveringSource:
    """A subsidy and the service categories it covers (empty: any)."""

    subsidy: Subsidy
    categories: list[str]


@dataclass(frozen=True)
class NearMissPolicy:
    source: CoveringSource
    unmet: list[str]  # the conditions the SME misses, as the calculator words them


@dataclass
class SmeSubsidies:
    """What one SME can stack in one cluster, independent of the offering."""

    vouchers: list[CoveringSource] = field(default_factory=list)
    policies: list[CoveringSource] = field(default_factory=list)
    near_misses: list[NearMissPolicy] = field(default_factory=list)


def _policy_subsidy(policy: Policy) -> Subsidy:
    return Subsidy(
        key=f"policy:{policy.pk}",
        title=policy.title,
        share=policy.covers_share,
        cap=policy.covers_cap,
        stackable=policy.stackable,
        excludes=frozenset(f"policy:{pk}" for pk in policy.exclusive_with),
        max_public_share=policy.max_public_share,
    )


def sme_subsidies(*, cluster: Cluster, sme: Enterprise, today: date | None = None) -> SmeSubsidies:
    """The SME's approved, unexpired vouchers of this cluster, and the library and local policies
    with a `covers` benefit that it meets (or misses by one condition), in a fixed number of queries."""
    today = today or timezone.localdate()
    found = SmeSubsidies()
    vouchers = Voucher.objects.filter(
        cluster=cluster, sme=sme, status=VoucherStatus.APPROVED, valid_until__gte=today
    ).select_related("programme")
    for voucher in vouchers.order_by("valid_until", "pk"):
        programme = voucher.programme
        # The voucher is the funding policy's money: never count that policy a second time.
        funded_by = frozenset({f"policy:{programme.policy_id}"}) if programme.policy_id else frozenset()
        subsidy = Subsidy(
            key=f"voucher:{voucher.pk}",
            title=programme.name,
            share=programme.coverage_share,
            cap=voucher.amount,
            excludes=funded_by,
        )
        found.vouchers.append(CoveringSource(subsidy, list(programme.eligible_categories)))
    facts, cluster_ids = enterprise_facts(enterprise=sme, today=today, cluster=cluster)
    policies = candidate_policies(today=today, region_code=sme.region_code, cluster_ids=cluster_ids).filter(
        covers_share__isnull=False
    )
    for policy in policies.order_by("pk"):
        source = CoveringSource(_policy_subsidy(policy), list(policy.covers_categories))
        explanation = explain(policy.eligibility_rule or {}, facts)
        if explanation.outcome is True:
            found.policies.append(source)
        elif explanation.near_miss:
            unmet = [result.as_dict()["text"] for result in explanation.near_miss]
            found.near_misses.append(NearMissPolicy(source, unmet))
    return found


def _covers(source: CoveringSource, offering: Offering) -> bool:
    return offering_in_categories(
        category_id=offering.category_id, parent_id=offering.category.parent_id, codes=source.categories
    )


def net_cost_of(subsidies: SmeSubsidies, offering: Offering) -> OfferingNetCost:
    """The price, each subsidy stacked with its source and limiting rule, and the net cost, at
    both ends of the offering's price range; plus near-miss policies and what they would save.
    No query: `offering.category` must be loaded."""
    low = offering.price_min if offering.price_min is not None else offering.price_max
    high = offering.price_max if offering.price_max is not None else offering.price_min
    sources = [
        source.subsidy
        for source in (subsidies.vouchers if offering.voucher_eligible else [])
        if _covers(source, offering)
    ]
    sources += [source.subsidy for source in subsidies.policies if _covers(source, offering)]
    near_misses = []
    for miss in subsidies.near_misses:
        if high is None or not _covers(miss.source, offering):
            continue
        saving, _limit = standalone(miss.source.subsidy, high)
        near_misses.append(
            {
                "key": miss.source.subsidy.key,
                "title": miss.source.subsidy.title,
                "would_save": saving,
                "unmet": miss.unmet,
            }
        )
    if low is None:
        return {"priced": False, "low": None, "high": None, "near_misses": near_misses}
    return {
        "priced": True,
        "low": asdict(net_cost(price=low, sources=sources)),
        "high": asdict(net_cost(price=high, sources=sources)),
        "near_misses": near_misses,
    }


def offering_net_costs(
    *, cluster: Cluster, sme: Enterprise, offerings: list[Offering], today: date | None = None
) -> dict[object, OfferingNetCost]:
    """Offering id -> the SME's net cost, for a page of offerings (with `category` loaded)."""
    subsidies = sme_subsidies(cluster=cluster, sme=sme, today=today)
    return {offering.pk: net_cost_of(subsidies, offering) for offering in offerings}


def offering_net_cost(
    *, cluster: Cluster, offering: Offering, sme: Enterprise, today: date | None = None
) -> OfferingNetCost:
    return offering_net_costs(cluster=cluster, sme=sme, offerings=[offering], today=today)[offering.pk]
