"""Shared set-up for benchmarks: a throw-away database on the configured PostgreSQL server.

Benchmarks never touch the demo data: they create `cluster_platform_bench` (dropping a
leftover one), migrate it, and drop it when done.
"""

import contextlib
import os
import statistics
import time


@contextlib.contextmanager
def bench_database(name: str = "cluster_platform_bench", *, keep: bool = False):
    """Create the database `name` (a benchmark that must run beside the others names its own).

    With `keep`, an existing database of that name is reused (migrated if needed) and left in
    place afterwards, so that a benchmark whose data take minutes to build can be re-run while
    its code is being worked on; the benchmark then skips the data it finds already built.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluster_platform.settings.base")
    import django

    django.setup()
    from django.db import connection

    connection.settings_dict.setdefault("TEST", {})["NAME"] = name
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keep)
    try:
        yield connection
    finally:
        if keep:
            connection.close()
            connection.settings_dict["NAME"] = old_name
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


class Timer:
    """`with Timer() as t: ...` then `t.seconds`."""

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def mean(samples: list[float]) -> float:
    return statistics.fmean(samples) if samples else float("nan")


def summary_line(name: str, figures: dict) -> str:
    """The one closing line every benchmark prints: `name: key=value key=value ...`."""
    parts = " ".join(f"{key}={_fmt(value)}" for key, value in figures.items())
    return f"{name}: {parts}"


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)
