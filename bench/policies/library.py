"""Policy library figures: importing 50,000 generated policies, and searching them.

`import_50k_s` times the real import (parse the JSON Lines file, validate, segment, upsert in
batches, refresh statistics). `search_p95_ms` is the 95th percentile of realistic searches
(common and rare words, with and without filters) through the public API, first page with
count and facets; `scan_p95_ms` runs the same searches as an unindexed `icontains` scan with
an exact count, the baseline the index is measured against.
"""

import os
import tempfile
import time
from functools import reduce
from operator import and_

from bench.common import Timer, percentile

POLICY_COUNT = int(os.environ.get("BENCH_POLICIES", 50_000))
ROUNDS = 5
QUERIES = [
    {"q": "数字化"},
    {"q": "补贴"},
    {"q": "数字化 补贴"},
    {"q": "数字化转型", "level": "provincial"},
    {"q": "补贴", "region": "320200"},
    {"q": "专精特新"},
    {"q": "集成电路", "category": "innovation"},
    {"q": "服务券", "open_now": "true"},
    {"q": "无锡 物联网"},
    {"q": "贷款贴息", "amount_min": "1000000"},
    {"q": "高层次人才", "region": "440100"},
    {"q": "绿色工厂", "level": "municipal", "category": "green"},
    {"region": "320214"},
    {"category": "digital", "open_now": "true"},
]


def _scan(params: dict):
    """The same search without the index: icontains on the three texts, exact count, newest first."""
    from django.db.models import F, Q

    from cluster_platform.search import query_terms
    from policies.models import Policy, PolicyStatus
    from policies.selectors import open_now_q, region_applicable_q

    policies = Policy.objects.filter(cluster__isnull=True, status=PolicyStatus.PUBLISHED)
    if params.get("q"):
        words = query_terms(params["q"])
        policies = policies.filter(
            reduce(
                and_,
                [Q(title__icontains=w) | Q(summary__icontains=w) | Q(full_text__icontains=w) for w in words],
            )
        )
    if "level" in params:
        policies = policies.filter(level=params["level"])
    if "region" in params:
        policies = policies.filter(region_applicable_q(params["region"]))
    if "category" in params:
        policies = policies.filter(categories__overlap=[params["category"]])
    if params.get("open_now"):
        policies = policies.filter(open_now_q())
    if "amount_min" in params:
        policies = policies.filter(max_amount__gte=params["amount_min"])
    count = policies.count()
    page = list(policies.order_by(F("published_on").desc(nulls_last=True), "id")[:20])
    return count, page


def run(connection) -> dict:
    from rest_framework.test import APIClient

    from cluster_platform.celery import app as celery_app
    from policies.importing import parse_file
    from policies.library_generator import generate_policies, write_jsonl
    from policies.services import policy_import_rows

    figures = {}
    with tempfile.NamedTemporaryFile("w+", suffix=".jsonl", encoding="utf-8") as file:
        with Timer() as generation:
            write_jsonl(generate_policies(POLICY_COUNT, seed=2026), file)
            file.flush()
        print(f"generated {POLICY_COUNT} policies in {generation.seconds:.1f}s", flush=True)
        # Publishing enqueues the reverse matches of the eligibility side after each batch
        # commits; they run on workers, not in the import. Without a broker, Celery would run
        # them inline here (eager mode), so for this measurement they are queued in memory
        # instead, as a broker would hold them.
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = False
        try:
            with Timer() as timer:
                with open(file.name, "rb") as stream:
                    rows = parse_file(stream.read(), "jsonl")
                outcome = policy_import_rows(rows=rows, cluster=None)
        finally:
            celery_app.conf.task_always_eager = eager
    figures["import_50k_s"] = round(timer.seconds, 2)
    figures["import_rows_per_s"] = round(outcome.rows_total / timer.seconds)
    print(
        f"import: {outcome.created} created, {outcome.failed} rejected in {timer.seconds:.1f}s "
        f"({figures['import_rows_per_s']} rows/s)",
        flush=True,
    )

    client = APIClient()
    for params in QUERIES:  # warm caches and connections once
        client.get("/api/v1/policies/", params)
    search_ms, scan_ms = [], []
    for _ in range(ROUNDS):
        for params in QUERIES:
            start = time.perf_counter()
            response = client.get("/api/v1/policies/", params)
            search_ms.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.content[:300]
    for params in QUERIES:
        body = client.get("/api/v1/policies/", params).json()
        exact = "" if body["count_exact"] else "~"
        print(
            f"  {params}: {exact}{body['count']} matches, first: {body['results'][0]['title'] if body['results'] else '-'}"
        )
    figures["search_p95_ms"] = round(percentile(search_ms, 95), 2)
    figures["search_p50_ms"] = round(percentile(search_ms, 50), 2)
    print(f"search: p50 {figures['search_p50_ms']} ms, p95 {figures['search_p95_ms']} ms", flush=True)
    for _ in range(2):
        for params in QUERIES:
            start = time.perf_counter()
            _scan(params)
            scan_ms.append((time.perf_counter() - start) * 1000)
    figures["scan_p95_ms"] = round(percentile(scan_ms, 95), 2)
    figures["search_speedup"] = round(figures["scan_p95_ms"] / figures["search_p95_ms"], 1)
    print(f"scan baseline: p95 {figures['scan_p95_ms']} ms ({figures['search_speedup']}x slower)", flush=True)
    return figures
