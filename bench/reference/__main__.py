"""`python -m bench.reference`: the public industry list against the region list, same run.

Times `GET /api/v1/reference/industries/` through the whole request path (the test client, the
URL router, the view, the paginator and the serializer) for the queries a registration form makes:
the first page, a page of classes, the groups of a division, the classes of a group, a name search.
The baseline is the region list (GB/T 2260, ~3,200 rows, the same in-memory design and paginator),
timed with the same kinds of query in the same run. Neither endpoint reads the database.

Environment: BENCH_ROUNDS (default 200).
"""

import os

from bench.common import Timer, percentile, summary_line

INDUSTRY_QUERIES = [
    {},
    {"level": "class", "page": 5},
    {"parent": "C35"},
    {"parent": "C355"},
    {"search": "制造"},
    {"search": "textiles"},
]
REGION_QUERIES = [
    {},
    {"level": "district", "page": 5},
    {"parent": "320000"},
    {"parent": "320200"},
    {"search": "新"},
    {"search": "县"},
]


def _time(client, path: str, queries: list[dict], rounds: int) -> tuple[list[float], int]:
    samples, rows = [], 0
    for query in queries:
        response = client.get(path, query)
        assert response.status_code == 200, (path, query, response.status_code)
        rows = max(rows, response.json()["count"])
    for _ in range(rounds):
        for query in queries:
            with Timer() as timer:
                client.get(path, query)
            samples.append(timer.seconds * 1000)
    return samples, rows


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluster_platform.settings.base")
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # allows the test client's host
    rounds = int(os.environ.get("BENCH_ROUNDS", "200"))
    client = Client()
    industries, industry_rows = _time(client, "/api/v1/reference/industries/", INDUSTRY_QUERIES, rounds)
    regions, region_rows = _time(client, "/api/v1/reference/regions/", REGION_QUERIES, rounds)
    figures = {
        "industries": industry_rows,
        "industry_p50_ms": percentile(industries, 50),
        "industry_p95_ms": percentile(industries, 95),
        "regions": region_rows,
        "region_p50_ms": percentile(regions, 50),
        "region_p95_ms": percentile(regions, 95),
        "ratio_p50_industry_over_region": percentile(industries, 50) / percentile(regions, 50),
    }
    print(summary_line("reference-lists", figures))


if __name__ == "__main__":
    main()
