"""Eligibility benchmarks: the policy calculator and the reverse match at scale.

- calculator: one enterprise against a library of 50,000 published policies with rules
  (national, provincial, municipal and district ones, as in an aggregated national library).
  `calculator_ms` is the p95 over 40 enterprises in varied regions, with the compiled-rule
  cache warm (the steady state of a running server); the first, cold call (compiling its
  ~10,000 candidates' rules) and the time to compile all 50,000 are reported apart, and so is
  the worst case of an enterprise evaluated against all 50,000 rules. The baseline
  (`calculator_naive_ms`, median of 5) loads the candidates' rule JSON and evaluates it with
  the reference evaluator on each request (eligible only, no explanations); the ratio is
  `calculator_speedup` (baseline median / calculator median).
- reverse match: 100,000 enterprises with varied profiles; `reverse_100k_s` is the time of
  the compiled single query that lists every enterprise eligible for a national policy. The
  baseline, in the same run, loads the 100,000 profiles and runs the Python evaluator on
  each; the ratio is baseline / compiled query. Both must find the same enterprises.
- notification fan-out: users for 20,000 of the enterprises; the bulk, deduplicated
  notification of a policy's eligible enterprises, then the re-run (which must add none).
"""

import random
import statistics
import sys
import uuid
from datetime import date, timedelta
from decimal import Decimal

from bench.common import Timer, percentile

POLICY_TARGET = 50_000
ENTERPRISES = 100_000
USERS = 20_000
CALCULATOR_SAMPLES = 40
SEED = 20261126

REPRESENTATIVE_RULE = {
    "all": [
        {"fact": "employees", "op": "lte", "value": 300},
        {"fact": "revenue", "op": "lte", "value": 200_000_000},
        {"fact": "rd_ratio", "op": "gte", "value": 0.03},
        {"fact": "years_since_founding", "op": "gte", "value": 2},
        {"not": {"fact": "qualifications", "op": "has", "value": "little_giant"}},
        {
            "any": [
                {"fact": "qualifications", "op": "has", "value": "high_tech"},
                {"fact": "digital_maturity", "op": "gte", "value": 2},
            ]
        },
    ]
}


def _log(message: str) -> None:
    print(f"  eligibility: {message}", file=sys.stderr, flush=True)


def _regions(rng: random.Random):
    from cluster_platform.reference.regions import CITY, DISTRICT, PROVINCE, all_regions

    regions = all_regions()
    provinces = [code for code, region in regions.items() if region.level == PROVINCE]
    cities = [code for code, region in regions.items() if region.level == CITY]
    districts = [code for code, region in regions.items() if region.level == DISTRICT]
    # The model cases' provinces are over-represented, as on the real platforms.
    focus = [code for code in districts if code.startswith(("32", "44"))]
    return provinces, cities, districts, focus


def ensure_policies(rng: random.Random) -> int:
    from policies.generation import make_rule
    from policies.models import Policy, PolicyLevel, PolicyStatus

    existing = Policy.objects.filter(status=PolicyStatus.PUBLISHED).exclude(eligibility_rule={}).count()
    missing = POLICY_TARGET - existing
    if missing <= 0:
        return existing
    provinces, cities, districts, _focus = _regions(rng)
    today = date.today()
    batch = []
    for index in range(missing):
        draw = rng.random()
        if draw < 0.2:
            level, region = PolicyLevel.NATIONAL, ""
        elif draw < 0.55:
            level, region = PolicyLevel.PROVINCIAL, rng.choice(provinces)
        elif draw < 0.85:
            level, region = PolicyLevel.MUNICIPAL, rng.choice(cities)
        else:
            level, region = PolicyLevel.DISTRICT, rng.choice(districts)
        rule = make_rule(rng) or {"fact": "employees", "op": "lte", "value": 1000}
        batch.append(
            Policy(
                title=f"基准政策 {index}",
                issuer="基准发布机关",
                level=level,
                region_code=region,
                status=PolicyStatus.PUBLISHED,
                published_on=today - timedelta(days=rng.randint(0, 700)),
                valid_from=today - timedelta(days=rng.randint(0, 700)),
                valid_until=today + timedelta(days=rng.randint(1, 900)),
                application_closes=today + timedelta(days=rng.randint(1, 200))
                if rng.random() < 0.7
                else None,
                max_amount=Decimal(rng.choice([50_000, 100_000, 200_000, 500_000, 1_000_000, 3_000_000])),
                eligibility_rule=rule,
                content_hash=uuid.uuid4().hex,
            )
        )
        if len(batch) == 5000:
            Policy.objects.bulk_create(batch)
            batch = []
    Policy.objects.bulk_create(batch)
    return POLICY_TARGET


def create_enterprises(rng: random.Random) -> list:
    from enterprises.models import Enterprise, Qualification, SizeClass
    from enterprises.uscc import uscc_compose
    from policies.generation import INDUSTRIES

    _provinces, _cities, districts, focus = _regions(rng)
    industries = [code for code in INDUSTRIES if len(code) == 3]
    qualifications = list(Qualification.values)
    today = date.today()
    created = []
    batch = []
    for serial in range(ENTERPRISES):
        region = rng.choice(focus) if rng.random() < 0.6 else rng.choice(districts)
        employees = int(rng.lognormvariate(4, 1.2)) if rng.random() > 0.05 else None
        revenue = Decimal(int(rng.lognormvariate(16.5, 1.5))) if rng.random() > 0.08 else None
        rd_spend = (
            (revenue * Decimal(str(round(rng.uniform(0, 0.12), 4)))).quantize(Decimal("1"))
            if revenue is not None and rng.random() > 0.1
            else None
        )
        enterprise = Enterprise(
            id=uuid.uuid4(),
            uscc=uscc_compose(region_code=region, serial=3_000_000 + serial),
            name=f"基准企业{serial}",
            region_code=region,
            industry_code=rng.choice(industries),
            employees=employees,
            operating_revenue=revenue,
            rd_spend=rd_spend,
            founded_on=today - timedelta(days=rng.randint(30, 30 * 365)) if rng.random() > 0.05 else None,
            qualifications=rng.sample(qualifications, rng.choice([0, 0, 0, 1, 1, 2])),
            size_class=rng.choice(SizeClass.values + [""]),
            digital_maturity_level=rng.choice([None, 0, 1, 2, 2, 3, 4]),
        )
        batch.append(enterprise)
        if len(batch) == 5000:
            Enterprise.objects.bulk_create(batch)
            created.extend(batch)
            batch = []
    Enterprise.objects.bulk_create(batch)
    created.extend(batch)
    return created


def create_users(enterprises: list) -> None:
    from cluster_platform.models import User
    from enterprises.models import EnterpriseRole, EnterpriseUser

    users = [
        User(id=uuid.uuid4(), email=f"bench{index}@example.com", name=f"基准用户{index}", password="!")
        for index in range(USERS)
    ]
    User.objects.bulk_create(users, batch_size=5000)
    EnterpriseUser.objects.bulk_create(
        [
            EnterpriseUser(enterprise=enterprise, user=user, role=EnterpriseRole.OWNER)
            for enterprise, user in zip(enterprises[:USERS], users, strict=True)
        ],
        batch_size=5000,
    )


def bench_calculator(enterprises: list, rng: random.Random) -> dict:
    from policies.eligibility.calculator import (
        classify,
        enterprise_facts,
        enterprise_policy_matches,
        live_policies,
        rule_cache,
    )

    rule_cache.clear()
    sample = rng.sample(enterprises, CALCULATOR_SAMPLES)
    with Timer() as cold:
        first = enterprise_policy_matches(enterprise=sample[0])
    # Steady state: a running server has compiled every live rule once (the first request of
    # each region compiles its own; here all at once, so the samples measure only the warm path).
    today = date.today()
    everything = live_policies(today=today)
    facts, _clusters = enterprise_facts(enterprise=sample[0], today=today)
    with Timer() as warm_all:
        classify(candidates=everything, facts=facts)
    timings, candidates = [], []
    for enterprise in sample:
        with Timer() as timer:
            result = enterprise_policy_matches(enterprise=enterprise)
        timings.append(timer.seconds * 1000)
        candidates.append(result["evaluated"])
    # Baseline: the same candidates, their rules loaded from the database and evaluated with the
    # reference closures on every request (no cache, no interning), for a few of the samples.
    from policies.eligibility.calculator import candidate_policies
    from policies.rules.evaluation import compile_rule, outcome_of

    naive = []
    for enterprise in sample[:5]:
        with Timer() as timer:
            facts_e, cluster_ids = enterprise_facts(enterprise=enterprise, today=today)
            rules = candidate_policies(
                today=today, region_code=enterprise.region_code, cluster_ids=cluster_ids
            ).values_list("id", "eligibility_rule", "max_amount", "application_closes")
            eligible_naive = [row for row in rules if outcome_of(compile_rule(row[1])(facts_e)) is True]
            eligible_naive.sort(key=lambda row: (-(row[2] or 0), row[3] or date.max, str(row[0])))
        naive.append(timer.seconds * 1000)
    # Worst case: every live policy as a candidate (as if all 50,000 were national).
    worst = []
    for _ in range(5):
        with Timer() as timer:
            classify(candidates=everything, facts=facts)
        worst.append(timer.seconds * 1000)
    return {
        "calculator_ms": percentile(timings, 95),
        "calculator_median_ms": statistics.median(timings),
        "calculator_naive_ms": statistics.median(naive),
        "calculator_speedup": statistics.median(naive) / statistics.median(timings),
        "calculator_cold_ms": cold.seconds * 1000,
        "calculator_compile_all_s": warm_all.seconds,
        "calculator_candidates_median": int(statistics.median(candidates)),
        "calculator_all_50k_ms": statistics.median(worst),
        "calculator_first_eligible": first["eligible"]["count"],
    }


def bench_reverse(policy) -> dict:
    from enterprises.models import Enterprise
    from policies.eligibility.notifications import policy_eligible_enterprises
    from policies.rules.evaluation import compile_rule, outcome_of
    from policies.rules.profile import facts_from_profile

    today = date.today()
    policy_eligible_enterprises(policy=policy, today=today).count()  # warm the connection and plan cache
    samples = []
    for _ in range(3):
        with Timer() as timer:
            matched_ids = set(
                policy_eligible_enterprises(policy=policy, today=today).values_list("id", flat=True)
            )
        samples.append(timer.seconds)
    compiled = compile_rule(policy.eligibility_rule)
    with Timer() as baseline:
        python_ids = set()
        rows = Enterprise.objects.values_list(
            "id",
            "region_code",
            "industry_code",
            "size_class",
            "qualifications",
            "employees",
            "operating_revenue",
            "rd_spend",
            "founded_on",
            "digital_maturity_level",
        ).iterator(chunk_size=10_000)
        for row in rows:
            facts = facts_from_profile(
                today=today,
                region_code=row[1],
                industry_code=row[2],
                size_class=row[3],
                qualifications=row[4],
                employees=row[5],
                operating_revenue=row[6],
                rd_spend=row[7],
                founded_on=row[8],
                digital_maturity_level=row[9],
                memberships=[],
            )
            if outcome_of(compiled(facts)) is True:
                python_ids.add(row[0])
    if python_ids != matched_ids:
        raise AssertionError(f"reverse match disagrees: SQL {len(matched_ids)}, Python {len(python_ids)}")
    best = statistics.median(samples)
    return {
        "reverse_100k_s": best,
        "reverse_matched": len(matched_ids),
        "reverse_python_baseline_s": baseline.seconds,
        "reverse_speedup": baseline.seconds / best if best else float("nan"),
    }


def bench_notify(policy) -> dict:
    from django.test.utils import override_settings

    from policies.eligibility.notifications import policy_notify_eligible

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        with Timer() as first:
            outcome = policy_notify_eligible(policy=policy)
        with Timer() as again:
            rerun = policy_notify_eligible(policy=policy)
    if rerun.notified:
        raise AssertionError("the re-run notified again")
    return {"notify_s": first.seconds, "notified": outcome.notified, "notify_rerun_s": again.seconds}


def run(connection) -> dict:
    from policies.models import Policy, PolicyLevel, PolicyStatus

    rng = random.Random(SEED)
    _log("ensuring 50,000 published policies with rules")
    with Timer() as timer:
        policies = ensure_policies(rng)
    _log(f"{policies} policies ready in {timer.seconds:.1f}s; creating {ENTERPRISES:,} enterprises")
    with Timer() as timer:
        enterprises = create_enterprises(rng)
        create_users(enterprises)
    _log(f"enterprises and users created in {timer.seconds:.1f}s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    figures = {"policies": policies}
    figures.update(bench_calculator(enterprises, rng))
    _log(f"calculator p95 {figures['calculator_ms']:.1f} ms")
    today = date.today()
    policy = Policy.objects.create(
        title="基准: 中小企业研发补助",
        issuer="基准发布机关",
        level=PolicyLevel.NATIONAL,
        status=PolicyStatus.PUBLISHED,
        valid_from=today - timedelta(days=1),
        valid_until=today + timedelta(days=365),
        max_amount=Decimal(500_000),
        eligibility_rule=REPRESENTATIVE_RULE,
        content_hash=uuid.uuid4().hex,
    )
    figures.update(bench_reverse(policy))
    _log(f"reverse match {figures['reverse_100k_s']:.3f}s for {figures['reverse_matched']} enterprises")
    figures.update(bench_notify(policy))
    return figures
