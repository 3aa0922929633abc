"""`python -m bench.api` (`make bench-api`): requests per second of the public catalog and the policy
search under load, each against a bare DRF list of the same rows, served side by side.

Both sides run under gunicorn with 2 workers on the same throw-away database
(`cluster_platform_bench_api`): the platform with its production settings (DEBUG off, Redis
cache, WhiteNoise, security headers), and the bare project of bench/api/bare (ModelSerializer
+ ListAPIView, the same page-number pagination class and page size, Django's default
middleware) over plain copies of the same rows (bench/api/data.py). wrk (20 connections)
loads one side at a time; the two sides of a pair alternate which goes first, for several
rounds, and the ratio reported is the median of the per-round ratios, so that load from other
processes falls on both sides alike.

- catalog: GET /api/v1/clusters/bench/offerings/ (anonymous, pages 1-5) against the bare
  list of the same published offerings (pages 1-5);
- policy search: GET /api/v1/policies/?q=... over the realistic queries of bench/policies
  (common and rare words, filters), first page with count and facets, against the bare list
  of the same published library (pages 1-5).

Prints `api: catalog_rps=... bare_rps=... ratio=... catalog_p99_ms=... bare_p99_ms=...` and
`api-policy-search: policy_rps=... bare_rps=... ratio=... policy_p99_ms=... bare_p99_ms=...`.

Environment: BENCH_OFFERINGS (offerings in the listed cluster, most of them published; default 5000),
BENCH_POLICIES (default 50000), BENCH_API_SECONDS (per wrk run, default 10),
BENCH_API_ROUNDS (default 5), BENCH_API_KEEP_DB=1 (keep the database and reuse it next time).
Needs wrk (`apt-get install -y wrk`).
"""

import os
import secrets
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote, urlencode

from bench.api import data, load
from bench.common import bench_database, summary_line

PAGES = 5
WARM_UP_SECONDS = 3


def _policy_queries() -> list[dict]:
    from bench.policies.library import QUERIES

    return QUERIES


def _paths() -> dict[str, tuple[list[str], list[str]]]:
    """For each figure: the platform's paths and the bare side's."""

    def pages(base: str) -> list[str]:
        return [base] + [f"{base}?page={number}" for number in range(2, PAGES + 1)]

    searches = [f"/api/v1/policies/?{urlencode(params)}" for params in _policy_queries()]
    return {
        "catalog": (pages(f"/api/v1/clusters/{data.CLUSTER_SLUG}/offerings/"), pages("/offerings/")),
        "policy": (searches, pages("/policies/")),
    }


def _database_url(settings: dict) -> str:
    user = quote(settings.get("USER") or "", safe="")
    password = quote(settings.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{credentials}{settings.get('HOST') or '127.0.0.1'}:{settings.get('PORT') or 5432}/{settings['NAME']}"


def _check(server, path: str, *, count: int | None = None) -> None:
    """Every path answers 200 with a page (and the expected count) before any load is timed."""
    import json

    status, body = load.get(server, path)
    if status != 200:
        raise SystemExit(f"{server.name} {path} answered {status}: {body[:500]!r}")
    page = json.loads(body)
    if count is not None and page["count"] != count:
        raise SystemExit(f"{server.name} {path} counts {page['count']} rows, expected {count}")


def _median(values):
    return statistics.median(values)


def main() -> None:
    offerings = int(os.environ.get("BENCH_OFFERINGS", "5000"))
    policies = int(os.environ.get("BENCH_POLICIES", "50000"))
    seconds = int(os.environ.get("BENCH_API_SECONDS", "10"))
    rounds = int(os.environ.get("BENCH_API_ROUNDS", "5"))
    keep = os.environ.get("BENCH_API_KEEP_DB", "").lower() in {"1", "true", "yes"}
    load.wrk_path()  # before minutes of data building
    # This process only builds data; the servers get the broker and cache.
    redis_url = os.environ.pop("REDIS_URL", "")
    load_start = load.load_average()

    with bench_database("cluster_platform_bench_api", keep=keep) as connection:
        counts = data.build(offerings=offerings, policies=policies, out=sys.stdout)
        print(
            f"rows listed: {counts['offerings']} offerings, {counts['policies']} library policies", flush=True
        )
        database_url = _database_url(connection.settings_dict)
        connection.close()
        common = {"DATABASE_URL": database_url, "SECRET_KEY": secrets.token_urlsafe(48)}
        common.update({"REDIS_URL": redis_url} if redis_url else {"CELERY_IN_PROCESS": "true"})
        if not redis_url:
            print("REDIS_URL is unset: the platform runs with the local-memory cache", flush=True)
        paths = _paths()
        runs: dict[str, list] = {f"{name}/{side}": [] for name in paths for side in ("platform", "bare")}
        with tempfile.TemporaryDirectory(prefix="bench-api-") as logs:
            platform = load.start(
                "platform",
                wsgi="cluster_platform.wsgi:application",
                environment={
                    **common,
                    "DJANGO_SETTINGS_MODULE": "cluster_platform.settings.production",
                    "ALLOWED_HOSTS": "127.0.0.1,localhost",
                    # Plain HTTP on loopback, as behind a TLS-terminating proxy.
                    "SECURE_SSL_REDIRECT": "false",
                },
                ready_path="/api/v1/status/",
                log_dir=Path(logs),
            )
            try:
                bare = load.start(
                    "bare",
                    wsgi="bench.api.bare.wsgi:application",
                    environment={**common, "DJANGO_SETTINGS_MODULE": "bench.api.bare.settings"},
                    ready_path="/offerings/",
                    log_dir=Path(logs),
                )
                try:
                    _measure(platform, bare, paths, counts, runs, seconds=seconds, rounds=rounds)
                finally:
                    bare.stop()
            finally:
                platform.stop()

    load_end = load.load_average()
    for name, label, rows in (("catalog", "api", "offerings"), ("policy", "api-policy-search", "policies")):
        mine, bare_runs = runs[f"{name}/platform"], runs[f"{name}/bare"]
        print(
            summary_line(
                label,
                {
                    f"{name}_rps": round(_median([run.rps for run in mine]), 1),
                    "bare_rps": round(_median([run.rps for run in bare_runs]), 1),
                    "ratio": round(_median([a.rps / b.rps for a, b in zip(mine, bare_runs, strict=True)]), 3),
                    f"{name}_p99_ms": round(_median([run.p99_ms for run in mine]), 1),
                    "bare_p99_ms": round(_median([run.p99_ms for run in bare_runs]), 1),
                    f"{name}_p50_ms": round(_median([run.p50_ms for run in mine]), 1),
                    "bare_p50_ms": round(_median([run.p50_ms for run in bare_runs]), 1),
                    rows: counts[rows],
                    "rounds": rounds,
                    "load_start": round(load_start, 2),
                    "load_end": round(load_end, 2),
                },
            )
        )


def _measure(platform, bare, paths, counts, runs, *, seconds: int, rounds: int) -> None:
    catalog_paths, bare_catalog_paths = paths["catalog"]
    policy_paths, bare_policy_paths = paths["policy"]
    _check(platform, catalog_paths[0], count=counts["offerings"])
    _check(bare, bare_catalog_paths[0], count=counts["offerings"])
    _check(bare, bare_policy_paths[0], count=counts["policies"])
    for path in [*catalog_paths, *bare_catalog_paths, *policy_paths, *bare_policy_paths]:
        _check(bare if not path.startswith("/api/") else platform, path)

    for name, (mine, theirs) in paths.items():
        load.wrk(platform, mine, seconds=WARM_UP_SECONDS)
        load.wrk(bare, theirs, seconds=WARM_UP_SECONDS)
        print(f"warmed up {name}", flush=True)
    for number in range(rounds):
        for name, (mine, theirs) in paths.items():
            sides = [("platform", platform, mine), ("bare", bare, theirs)]
            if number % 2:
                sides.reverse()
            measured = {}
            for side, server, side_paths in sides:
                measured[side] = load.wrk(server, side_paths, seconds=seconds)
                runs[f"{name}/{side}"].append(measured[side])
            print(
                f"round {number + 1} {name}: platform {measured['platform'].rps:.1f} rps "
                f"(p99 {measured['platform'].p99_ms:.1f} ms), bare {measured['bare'].rps:.1f} rps "
                f"(p99 {measured['bare'].p99_ms:.1f} ms), ratio "
                f"{measured['platform'].rps / measured['bare'].rps:.3f}, load {load.load_average():.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
