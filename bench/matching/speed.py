"""Speed: 20,000 open demands x 5,000 offerings in one cluster, each demand's top 10 stored.

The market is generated into the throw-away bench database (not timed); then one whole-cluster
match run goes end to end exactly as in production (load from PostgreSQL, score, assign
capacity-aware, write the chunks and the recommendations) and is timed. The plain-Python
reference scorer runs on a sample of demands against every offering, and its time per pair is
compared with the engine's.

The chunks are written on BENCH_MATCHING_WRITERS connections at once (default 2, this machine's
cores), as that many Celery workers would. BENCH_MATCHING_DEMANDS and BENCH_MATCHING_OFFERINGS
make a smaller market while iterating (partners and SMEs scale with them).
"""

import os
import random
import time

from bench.common import Timer
from bench.matching import data

DEMANDS = int(os.environ.get("BENCH_MATCHING_DEMANDS", 20_000))
OFFERINGS = int(os.environ.get("BENCH_MATCHING_OFFERINGS", 5_000))
PARTNERS, SMES = max(1, OFFERINGS // 5), max(1, DEMANDS // 4)
WRITERS = int(os.environ.get("BENCH_MATCHING_WRITERS", 2))
REFERENCE_SAMPLE = 12


def generate(seed: int = 4754):
    from cluster_platform.models import Cluster
    from enterprises.models import Enterprise, Membership, MembershipRole, MembershipStatus
    from enterprises.uscc import uscc_compose
    from matching.models import MatchingWeights
    from services.models import Category, Demand, Offering, OfferingStatus, PriceModel

    rng = random.Random(seed)
    cluster = Cluster.objects.create(
        slug="bench-matching", name="基准测试集群", region_code="320200", agency_name="基准测试促进中心"
    )
    # The agency lets each free slot be recommended three times (not every recommendation
    # becomes a request), so that every demand can receive its top 10.
    MatchingWeights.objects.create(cluster=cluster, slots_per_capacity=3)
    for code, parent, name, _words in data.categories():
        Category.objects.get_or_create(
            code=code, defaults={"parent_id": parent or None, "name": name, "name_en": code}
        )
    partner_specs = data.make_partners(rng, PARTNERS)
    partners = Enterprise.objects.bulk_create(
        [
            Enterprise(
                uscc=uscc_compose(region_code=p.region, serial=i),
                name=f"服务商{i}",
                region_code=p.region,
                industry_code="I65",
            )
            for i, p in enumerate(partner_specs)
        ]
    )
    partner_by_key = {spec.key: row for spec, row in zip(partner_specs, partners, strict=True)}
    # Only the offerings of partners in good standing (approved members) are matched.
    Membership.objects.bulk_create(
        [
            Membership(
                cluster=cluster, enterprise=row, role=MembershipRole.PARTNER, status=MembershipStatus.APPROVED
            )
            for row in partners
        ]
    )
    offering_specs = [data.make_offering(rng, f"O{i}", partner_specs[i % PARTNERS]) for i in range(OFFERINGS)]
    Offering.objects.bulk_create(
        [
            Offering(
                cluster=cluster,
                partner=partner_by_key[o.partner.key],
                category_id=o.category,
                title=o.title,
                summary=o.summary,
                description=o.description,
                delivery_mode=o.delivery_mode,
                target_industries=o.industries,
                target_size_classes=o.size_classes,
                regions_served=o.regions,
                maturity_levels=o.maturity_levels,
                price_model=PriceModel.FROM,
                price_min=o.price_min,
                price_max=o.price_max,
                capacity=o.capacity,
                tags=o.tags,
                status=OfferingStatus.PUBLISHED,
                rating_bayes=o.rating_bayes,
                rating_count=o.rating_count,
            )
            for o in offering_specs
        ],
        batch_size=2000,
    )
    sme_specs = [data.make_sme(rng, f"S{i}") for i in range(SMES)]
    smes = Enterprise.objects.bulk_create(
        [
            Enterprise(
                uscc=uscc_compose(region_code=s.region, serial=100_000 + i),
                name=f"中小企业{i}",
                region_code=s.region,
                industry_code=s.industry,
                size_class=s.size_class,
                digital_maturity_level=s.maturity_level,
            )
            for i, s in enumerate(sme_specs)
        ],
        batch_size=2000,
    )
    demand_specs = [data.make_demand(rng, f"D{i}", sme_specs[i % SMES]) for i in range(DEMANDS)]
    demands = Demand.objects.bulk_create(
        [
            Demand(
                cluster=cluster,
                sme=smes[i % SMES],
                title=d.title,
                description=d.description,
                budget_min=d.budget_min,
                budget_max=d.budget_max,
            )
            for i, d in enumerate(demand_specs)
        ],
        batch_size=2000,
    )
    through = Demand.categories.through
    through.objects.bulk_create(
        [
            through(demand_id=row.pk, category_id=code)
            for row, d in zip(demands, demand_specs, strict=True)
            for code in d.categories
        ],
        batch_size=5000,
    )
    return cluster


def run(connection) -> dict:
    from matching import engine
    from matching.models import MatchRunTrigger, Recommendation
    from matching.reference_scorer import ReferenceText, score_subject
    from matching.selectors import matching_inputs_load
    from matching.services import match_run_now

    with Timer() as generation:
        cluster = generate()
    print(f"speed: generated {DEMANDS} demands, {OFFERINGS} offerings in {generation.seconds:.1f}s")

    with Timer() as total:
        run_row = match_run_now(cluster=cluster, trigger=MatchRunTrigger.COMMAND, writers=WRITERS)
    stored = Recommendation.objects.filter(cluster=cluster).count()
    full = Recommendation.objects.filter(cluster=cluster, rank=10).values("demand_id").distinct().count()
    assert run_row.status == "completed" and stored == run_row.recommendations_count
    print(
        f"speed: end-to-end run {total.seconds:.1f}s: {run_row.subjects_total} demands x {run_row.offerings_total} "
        f"offerings = {run_row.pairs_scored} pairs, {stored} recommendations stored, {full} demands with 10 "
        f"({WRITERS} chunk writers)"
    )

    # Engine scoring alone vs the per-pair reference, on the same inputs.
    inputs = matching_inputs_load(cluster=cluster, scope=[])
    with Timer() as prepare:
        prepared = engine.PreparedOfferings(inputs.offerings)
    with Timer() as scoring:
        engine.candidate_arrays(prepared, inputs.subjects, inputs.weights, per_subject=inputs.top_n * 3)
    engine_per_pair = (prepare.seconds + scoring.seconds) / (len(inputs.subjects) * len(inputs.offerings))
    sample = random.Random(1).sample(inputs.subjects, REFERENCE_SAMPLE)
    text = ReferenceText(inputs.offerings)
    started = time.perf_counter()
    for subject in sample:
        score_subject(subject, inputs.offerings, inputs.weights, text)
    reference_per_pair = (time.perf_counter() - started) / (len(sample) * len(inputs.offerings))
    ratio = reference_per_pair / engine_per_pair
    print(
        f"speed: engine scoring {prepare.seconds + scoring.seconds:.1f}s ({engine_per_pair * 1e9:.0f} ns/pair); "
        f"reference {reference_per_pair * 1e6:.1f} us/pair on {len(sample)} demands; ratio {ratio:.0f}x"
    )
    return {
        "pairs": run_row.pairs_scored,
        "total_s": total.seconds,
        "engine_ns_per_pair": engine_per_pair * 1e9,
        "ratio_vs_reference": ratio,
        "writers": WRITERS,
    }
