"""An SME's net cost of an offering: its vouchers and the policies whose `covers` benefit applies."""

from dataclasses import asdict
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


def offering_net_cost(
    *, cluster: Cluster, offering: Offering, sme: Enterprise, today: date | None = None
) -> dict:
    """The price, each subsidy the SME can stack with its source and limiting rule, and the net
    cost, at both ends of a price range; plus near-miss policies and what they would save."""
    today = today or timezone.localdate()
    low = offering.price_min if offering.price_min is not None else offering.price_max
    high = offering.price_max if offering.price_max is not None else offering.price_min
    category, parent = offering.category_id, offering.category.parent_id
    sources: list[Subsidy] = []
    if offering.voucher_eligible:
        vouchers = Voucher.objects.filter(
            cluster=cluster, sme=sme, status=VoucherStatus.APPROVED, valid_until__gte=today
        ).select_related("programme")
        for voucher in vouchers.order_by("valid_until", "pk"):
            programme = voucher.programme
            if not offering_in_categories(
                category_id=category, parent_id=parent, codes=programme.eligible_categories
            ):
                continue
            # The voucher is the funding policy's money: never count that policy a second time.
            funded_by = frozenset({f"policy:{programme.policy_id}"}) if programme.policy_id else frozenset()
            sources.append(
                Subsidy(
                    key=f"voucher:{voucher.pk}",
                    title=programme.name,
                    share=programme.coverage_share,
                    cap=voucher.amount,
                    excludes=funded_by,
                )
            )
    facts, cluster_ids = enterprise_facts(enterprise=sme, today=today, cluster=cluster)
    near_misses = []
    policies = candidate_policies(today=today, region_code=sme.region_code, cluster_ids=cluster_ids).filter(
        covers_share__isnull=False
    )
    for policy in policies.order_by("pk"):
        if not offering_in_categories(category_id=category, parent_id=parent, codes=policy.covers_categories):
            continue
        explanation = explain(policy.eligibility_rule or {}, facts)
        if explanation.outcome is True:
            sources.append(_policy_subsidy(policy))
        elif explanation.near_miss and high is not None:
            saving, _limit = standalone(_policy_subsidy(policy), high)
            near_misses.append(
                {
                    "key": f"policy:{policy.pk}",
                    "title": policy.title,
                    "would_save": saving,
                    "unmet": [result.as_dict()["text"] for result in explanation.near_miss],
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
