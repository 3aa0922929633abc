"""Offline evaluation on a generated labelled set: precision@5 and nDCG@10 of the engine against a
text-only BM25 baseline (the same engine with all weight on text).

For each demand the set plants 5 known good offerings (its category, an industry target that
contains the SME's industry or none, a reach that covers its district, a price within its budget)
and 12 hard negatives of the same category and vocabulary that each break one rule: the wrong
industry, out of region, or over budget. A shared pool of random offerings completes the
catalog. Relevance is binary and decided by those rules for every (demand, offering) pair,
pool included.
"""

import math
import random

import numpy as np

from bench.matching import data
from cluster_platform.reference.regions import region_contains
from matching import engine
from matching.engine import DEFAULT_WEIGHTS

DEMANDS = 400
POOL = 2_000
GOOD, NEGATIVES = 5, 12


def _covers_industry(targets, code):
    return not targets or any(code.startswith(t) for t in targets)


def _covers_region(regions, code):
    return not regions or any(region_contains(r, code) for r in regions)


def _within_budget(offering: data.OfferingSpec, demand: data.DemandSpec):
    if offering.price_min is None or demand.budget_max is None:
        return True
    low = demand.budget_min or 0
    return offering.price_min <= demand.budget_max and (offering.price_max or math.inf) >= low


def relevant(demand: data.DemandSpec, offering: data.OfferingSpec) -> bool:
    return (
        offering.category in demand.categories
        and _covers_industry(offering.industries, demand.sme.industry)
        and _covers_region(offering.regions, demand.sme.region)
        and _within_budget(offering, demand)
    )


def _other_industry(rng, code):
    choices = [c for cluster in data.CLUSTERS for c in cluster[3] if not c.startswith(code[:3])]
    return rng.choice(choices)


def _other_province(rng, region):
    return "110000" if not region.startswith("11") else "310000"


def build(seed: int = 20260):
    rng = random.Random(seed)
    partners = data.make_partners(rng, 400)
    offerings = [data.make_offering(rng, f"pool{i}", rng.choice(partners)) for i in range(POOL)]
    demands = []
    for i in range(DEMANDS):
        sme = data.make_sme(rng, f"S{i}")
        leaf = rng.choice(data.LEAVES)
        demand = data.make_demand(rng, f"D{i}", sme, leaf=leaf)
        demands.append(demand)
        budget = demand.budget_max
        for g in range(GOOD):
            offerings.append(
                data.make_offering(
                    rng,
                    f"D{i}good{g}",
                    rng.choice(partners),
                    leaf=leaf,
                    industries=rng.choice([[], [sme.industry], [sme.industry[:4]], [sme.industry[:3]]]),
                    regions=rng.choice([[], [sme.region[:2] + "0000"], [sme.region[:4] + "00"]]),
                    price_min=round(budget * rng.uniform(0.3, 0.9), -2),
                    price_max=round(budget * rng.uniform(1.0, 1.6), -2),
                )
            )
        for n in range(NEGATIVES):
            broken = n % 3
            offerings.append(
                data.make_offering(
                    rng,
                    f"D{i}neg{n}",
                    rng.choice(partners),
                    leaf=leaf,
                    industries=[_other_industry(rng, sme.industry)] if broken == 0 else [],
                    regions=[_other_province(rng, sme.region)] if broken == 1 else [],
                    price_min=round(budget * rng.uniform(2.2, 4.0), -2)
                    if broken == 2
                    else round(budget * 0.5, -2),
                    price_max=round(budget * rng.uniform(4.5, 6.0), -2)
                    if broken == 2
                    else round(budget * 1.2, -2),
                )
            )
    return demands, offerings


def _metrics(ranked: list[list[int]], labels: list[set[int]]) -> tuple[float, float]:
    precision, ndcg = [], []
    for order, good in zip(ranked, labels, strict=True):
        precision.append(sum(1 for o in order[:5] if o in good) / 5)
        dcg = sum(1 / math.log2(rank + 2) for rank, o in enumerate(order[:10]) if o in good)
        ideal = sum(1 / math.log2(rank + 2) for rank in range(min(10, len(good))))
        ndcg.append(dcg / ideal if ideal else 0.0)
    return float(np.mean(precision)), float(np.mean(ndcg))


def _rank(prepared, subjects, weights) -> list[list[int]]:
    ranked = [[] for _ in subjects]
    for match in sorted(
        engine.score_candidates(prepared, subjects, weights, per_subject=10),
        key=lambda m: (m.subject, -m.score, m.offering),
    ):
        ranked[match.subject].append(match.offering)
    return ranked


def run() -> dict:
    demands, offerings = build()
    inputs = [data.offering_input(o) for o in offerings]
    subjects = [data.demand_input(d) for d in demands]
    by_category: dict[str, list[int]] = {}
    for index, offering in enumerate(offerings):
        by_category.setdefault(offering.category, []).append(index)
    labels = [
        {index for index in by_category.get(d.categories[0], []) if relevant(d, offerings[index])}
        for d in demands
    ]
    prepared = engine.PreparedOfferings(inputs)
    p5, ndcg = _metrics(_rank(prepared, subjects, DEFAULT_WEIGHTS), labels)
    text_only = {name: (1.0 if name == "text" else 0.0) for name in engine.FEATURES}
    base_p5, base_ndcg = _metrics(_rank(prepared, subjects, text_only), labels)
    print(
        f"quality: {len(demands)} demands x {len(offerings)} offerings, "
        f"{sum(map(len, labels))} relevant pairs; engine p@5={p5:.3f} nDCG@10={ndcg:.3f}; "
        f"BM25 baseline p@5={base_p5:.3f} nDCG@10={base_ndcg:.3f}"
    )
    return {"p_at_5": p5, "baseline_p_at_5": base_p5, "ndcg_10": ndcg, "baseline_ndcg_10": base_ndcg}
