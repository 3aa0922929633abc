"""`python -m bench.services`: catalog search latency against an ILIKE scan baseline.

Builds one cluster with N published offerings (synthetic but realistic Chinese titles,
summaries and descriptions from the demo vocabulary), then times the API's search path
(segmented tsquery on the GIN-indexed vector, ranked with ts_rank_cd, first page and count)
against the bare alternative without full-text search (every word ILIKE'd over title,
summary and description, newest first), on the same queries in the same run.

Environment: BENCH_OFFERINGS (default 20000), BENCH_ROUNDS (default 15).
"""

import os
import random

from bench.common import Timer, bench_database, mean, percentile, summary_line

QUERIES = ["MES", "生产管理系统", "设备上云", "箱包 ERP", "MEMS 仿真", "等保测评", "预测性维护"]


def _populate(count: int):
    from django.db import connection
    from django.utils import timezone

    from cluster_platform.models import Cluster
    from cluster_platform.search import tsvector_literal
    from demo.catalog import GD_CLUSTERS, GD_TEMPLATES, WUXI_SEGMENTS, WUXI_SERVICES
    from enterprises.models import Enterprise
    from enterprises.uscc import uscc_compose
    from services.models import Offering, OfferingStatus

    rng = random.Random("bench:services")
    cluster = Cluster.objects.create(
        slug="bench", name="基准集群", region_code="320214", agency_name="基准促进中心"
    )
    partners = [
        Enterprise.objects.create(
            uscc=uscc_compose(region_code="320214", serial=500_000 + n),
            name=f"基准服务商{n}",
            region_code="320214",
            industry_code="I65",
        )
        for n in range(50)
    ]
    industries = [name for name, _codes, _special in GD_CLUSTERS.values()]
    pieces = [(spec[0], spec[1], spec[2], spec[6]) for spec in WUXI_SERVICES]
    for industry in industries:
        pieces += [
            (spec[0], spec[1].format(ind=industry), spec[2].format(ind=industry), spec[6])
            for spec in GD_TEMPLATES
        ]
    now = timezone.now()
    rows, vectors = [], []
    for n in range(count):
        category, title, summary, tags = rng.choice(pieces)
        edition = rng.choice(WUXI_SEGMENTS)[0]
        extra = rng.choice(pieces)
        description = f"{summary}。可与{extra[1]}配合使用：{extra[2]}。服务流程：需求调研、方案设计、实施交付、培训运维。"
        offering = Offering(
            cluster=cluster,
            partner=partners[n % len(partners)],
            category_id=category,
            title=f"{title}（{edition}{n}）",
            summary=summary,
            description=description,
            delivery_mode="online",
            price_model="quote",
            tags=tags,
            status=OfferingStatus.PUBLISHED,
            published_at=now,
        )
        rows.append(offering)
        vectors.append(
            tsvector_literal(
                [("A", offering.title), ("B", summary), ("B", " ".join(tags)), ("C", description)]
            )
        )
    Offering.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE services_offering SET search_vector = %s::tsvector WHERE id = %s",
            [(vector, row.id) for vector, row in zip(vectors, rows, strict=True)],
        )
        cursor.execute("ANALYZE services_offering")
    return cluster


def _search_page(cluster, text):
    from services.models import Offering, OfferingStatus
    from services.selectors.offerings import offering_order, offering_search

    queryset = Offering.objects.filter(cluster=cluster, status=OfferingStatus.PUBLISHED)
    queryset = offering_order(offering_search(queryset, text=text), ordering=None, searching=True)
    return queryset.count(), [offering.pk for offering in queryset[:20]]


def _ilike_page(cluster, text):
    from django.db.models import Q

    from cluster_platform.search import query_terms
    from services.models import Offering, OfferingStatus

    queryset = Offering.objects.filter(cluster=cluster, status=OfferingStatus.PUBLISHED)
    for word in query_terms(text):
        queryset = queryset.filter(
            Q(title__icontains=word) | Q(summary__icontains=word) | Q(description__icontains=word)
        )
    queryset = queryset.order_by("-published_at", "id")
    return queryset.count(), [offering.pk for offering in queryset[:20]]


def main() -> None:
    count = int(os.environ.get("BENCH_OFFERINGS", "20000"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "15"))
    # Its own database, so that it can run beside the other benchmarks.
    with bench_database("cluster_platform_bench_catalog"):
        with Timer() as build:
            cluster = _populate(count)
        timings = {"search": [], "ilike": []}
        hits = {}
        for _ in range(rounds):
            for text in QUERIES:
                for name, function in (("search", _search_page), ("ilike", _ilike_page)):
                    with Timer() as timer:
                        total, _page = function(cluster, text)
                    timings[name].append(timer.seconds * 1000)
                    hits[(name, text)] = total
        for text in QUERIES:
            print(f"  {text!r}: search {hits[('search', text)]} hits, ilike {hits[('ilike', text)]} hits")
    figures = {
        "offerings": count,
        "build_s": build.seconds,
        "search_p50_ms": percentile(timings["search"], 50),
        "search_p95_ms": percentile(timings["search"], 95),
        "ilike_p50_ms": percentile(timings["ilike"], 50),
        "ilike_p95_ms": percentile(timings["ilike"], 95),
        "search_mean_ms": mean(timings["search"]),
        "ratio_p50_ilike_over_search": percentile(timings["ilike"], 50) / percentile(timings["search"], 50),
    }
    print(summary_line("services-search", figures))


if __name__ == "__main__":
    main()
