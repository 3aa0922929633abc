"""`python -m bench.soak` (`make soak`): the platform under a mixed load for SOAK_SECONDS, on loopback.

The production shape, scaled to one machine: gunicorn with the production settings (2 workers), a
Celery worker (prefork, concurrency 2) and beat on a private redis-server, and a throw-away database
(`cluster_platform_soak` on the configured PostgreSQL server) loaded with the demo data
(`seed_demo`). A load generator (bench/soak/workload.py) plays the demo's users: browsing, search,
policy checks, bookings, whole engagements and a match run every SOAK_MATCH_INTERVAL seconds.

Printed: one line per route with its count, p50 and p99, and p99 against the liveness probe's p99
measured in the same run (`/api/v1/status/live/`: the bare cost of a request through gunicorn and the
middleware); then the RSS of each gunicorn worker and of the Celery worker's processes after the
warm-up and at the end (from /proc); then the summary line

    soak: seconds=... requests=... server_errors=... worker_restarts=... rss_growth_pct=...

The run fails (exit status 1) on any 5xx or request without an answer, any restarted web or task
worker process, or RSS growth of 10 % or more in the web workers or the task worker (each group
summed). RSS is compared after the warm-up (SOAK_WARMUP_SECONDS; by then each scenario has run many
times and beat has run every interval job once), so that what a process loads once does not count.

Environment: SOAK_SECONDS (600), SOAK_WARMUP_SECONDS (60, at most a fifth of the run), SOAK_CLIENTS
(client threads, 4), SOAK_THINK_SECONDS (pause between a client's scenarios, 0.1),
SOAK_MATCH_INTERVAL (60), DATABASE_URL (the server to create the throw-away database on).
"""

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import servers
from bench.common import percentile, summary_line
from bench.soak import workload

RSS_GROWTH_LIMIT_PCT = 10.0
DATABASE = "cluster_platform_soak"


def _env_number(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def _database_url() -> str:
    """The URL the soak's processes use for the throw-away database this process created."""
    from django.db import connection

    settings = connection.settings_dict
    if not settings["HOST"] or settings["HOST"].startswith("/"):
        raise SystemExit(
            "the soak needs a PostgreSQL server on TCP (DATABASE_URL=postgres://user@127.0.0.1:5432/db)"
        )
    credentials = settings["USER"] + (f":{settings['PASSWORD']}" if settings.get("PASSWORD") else "")
    return f"postgres://{credentials}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"


class Processes:
    """The soak's processes, and the PIDs of their workers from start to end."""

    def __init__(self, web: servers.Gunicorn, worker: subprocess.Popen, beat: subprocess.Popen):
        self.web, self.worker, self.beat = web, worker, beat
        self.web_workers_seen = set(web.workers())
        self.task_workers_seen = set(servers.children_of(worker.pid))
        self.initial = len(self.web_workers_seen) + len(self.task_workers_seen)

    def sample(self) -> None:
        self.web_workers_seen.update(self.web.workers())
        self.task_workers_seen.update(servers.children_of(self.worker.pid))

    def restarts(self) -> int:
        """Worker processes that replaced one (a crash, a timeout kill, a memory limit), plus any
        master process that is gone."""
        self.sample()
        gone = sum(process.poll() is not None for process in (self.web.process, self.worker, self.beat))
        return len(self.web_workers_seen) + len(self.task_workers_seen) - self.initial + gone

    def rss(self) -> dict[str, dict[int, int]]:
        task_pids = [self.worker.pid, *servers.children_of(self.worker.pid)]
        return {
            "web": {pid: servers.rss_kib(pid) for pid in self.web.workers()},
            "tasks": {pid: servers.rss_kib(pid) for pid in task_pids},
        }


def _growth(before: dict[int, int], after: dict[int, int]) -> float:
    first, last = sum(before.values()), sum(after.values())
    return (last - first) / first * 100 if first else float("inf")


def main() -> int:
    duration = _env_number("SOAK_SECONDS", 600)
    warmup = min(_env_number("SOAK_WARMUP_SECONDS", 60), duration / 5)
    clients = int(_env_number("SOAK_CLIENTS", 4))
    think = _env_number("SOAK_THINK_SECONDS", 0.1)
    match_interval = _env_number("SOAK_MATCH_INTERVAL", 60)
    if not servers.redis_available():
        raise SystemExit("the soak needs the redis-server binary (a private Redis on a free port)")

    print(f"soak: start, {_uptime()}", flush=True)
    # This process only builds the database: the demo's tasks run in-process while it seeds.
    os.environ.pop("REDIS_URL", None)
    os.environ["EMAIL_URL"] = "dummymail://"
    os.environ["LOG_LEVEL"] = "WARNING"
    from bench.common import bench_database

    with bench_database(DATABASE), tempfile.TemporaryDirectory(prefix="soak-") as workdir:
        from django.core.management import call_command

        started = time.monotonic()
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"soak: demo data loaded in {time.monotonic() - started:.0f} s", flush=True)
        logs = Path(workdir)
        redis = servers.redis_start()
        web = worker = beat = None
        try:
            env = servers.platform_env(
                database_url=_database_url(),
                redis_url=redis.url(),
                EMAIL_URL="dummymail://",
                # Every request comes from 127.0.0.1: the per-address limit of the anonymous policy
                # check would otherwise throttle the load generator itself.
                THROTTLE_ANON_CHECK="100000/min",
            )
            web = servers.gunicorn_start(env=env, workers=2, log_path=logs / "gunicorn.log")
            worker = servers.celery_worker_start(
                env=env, name="soak", concurrency=2, log_path=logs / "worker.log"
            )
            beat = servers.celery_beat_start(
                env=env, schedule=logs / "beat-schedule", log_path=logs / "beat.log"
            )
            code = _run(web, worker, beat, duration, warmup, clients, think, match_interval)
        finally:
            for process in (beat, worker):
                servers.process_stop(process)
            if web is not None:
                web.stop()
            redis.stop()
            _print_log_tail(logs)
    print(f"soak: end, {_uptime()}", flush=True)
    return code


def _run(web, worker, beat, duration, warmup, clients, think, match_interval) -> int:
    processes = Processes(web, worker, beat)
    stats = workload.Stats()
    world = workload.world_load(web.port, stats)
    runs = workload.MatchRuns()
    stop = threading.Event()
    began = time.monotonic()
    until = began + duration
    threads = [
        threading.Thread(
            target=workload.client_loop,
            args=(world, seed, until, think, stop),
            daemon=True,
            name=f"client-{seed}",
        )
        for seed in range(clients)
    ]
    threads.append(
        threading.Thread(
            target=workload.match_loop, args=(world, runs, until, match_interval, stop), daemon=True
        )
    )
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    for thread in threads:
        thread.start()
    try:
        stop.wait(warmup)
        processes.sample()
        rss_warm = processes.rss()
        print(f"soak: warmed up after {warmup:.0f} s, {stats.requests} requests, {_uptime()}", flush=True)
        while time.monotonic() < until and not stop.is_set():
            stop.wait(min(5.0, max(0.0, until - time.monotonic())))
            processes.sample()
        rss_end = processes.rss()
        restarts = processes.restarts()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        signal.signal(signal.SIGINT, previous)
    seconds = time.monotonic() - began
    return _report(stats, runs, seconds, restarts, rss_warm, rss_end)


def _report(stats, runs, seconds, restarts, rss_warm, rss_end) -> int:
    live = percentile(stats.latencies.get("GET status/live", []), 99)
    width = max(len(route) for route in stats.latencies)
    for route in sorted(stats.latencies):
        samples = stats.latencies[route]
        p99 = percentile(samples, 99)
        print(
            f"  {route:<{width}}  count={len(samples):<6} p50_ms={percentile(samples, 50) * 1000:<8.1f} "
            f"p99_ms={p99 * 1000:<8.1f} p99_vs_live={p99 / live:.1f}"
        )
    for group in ("web", "tasks"):
        before = " ".join(f"{pid}:{kib // 1024}" for pid, kib in sorted(rss_warm[group].items()))
        after = " ".join(f"{pid}:{kib // 1024}" for pid, kib in sorted(rss_end[group].items()))
        print(
            f"  rss {group}: after warm-up MiB {before}; at the end {after}; "
            f"growth {_growth(rss_warm[group], rss_end[group]):+.1f} %"
        )
    for label, lines in (
        ("5xx", stats.server_errors),
        ("no answer", stats.failures),
        ("unexpected", stats.unexpected),
    ):
        for line in lines[:5]:
            print(f"  {label}: {line}")
    growth = max(_growth(rss_warm[group], rss_end[group]) for group in ("web", "tasks"))
    server_errors = len(stats.server_errors) + len(stats.failures)
    print(
        summary_line(
            "soak",
            {
                "seconds": round(seconds),
                "requests": stats.requests,
                "server_errors": server_errors,
                "worker_restarts": restarts,
                "rss_growth_pct": round(growth, 1),
                "requests_per_s": round(stats.requests / seconds, 1),
                "unexpected_4xx": len(stats.unexpected),
                "match_runs": f"{runs.completed}/{runs.started}",
                "live_p99_ms": round(live * 1000, 1),
            },
        ),
        flush=True,
    )
    failed = server_errors > 0 or restarts > 0 or growth >= RSS_GROWTH_LIMIT_PCT or runs.failed > 0
    return 1 if failed else 0


def _print_log_tail(logs: Path) -> None:
    """Warnings and errors the processes logged (the soak's own lines stay readable above)."""
    for log in sorted(logs.glob("*.log")):
        lines = [
            line
            for line in log.read_text(errors="replace").splitlines()
            if any(
                mark in line for mark in ("ERROR", "CRITICAL", "Traceback", "WORKER TIMEOUT", "exited with")
            )
        ]
        if lines:
            print(f"soak: {log.name}: {len(lines)} error lines; the last ones:", file=sys.stderr)
            for line in lines[-10:]:
                print(f"  {line[:300]}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
