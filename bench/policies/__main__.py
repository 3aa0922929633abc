"""`make bench-policies`: import, search, calculator and reverse-match figures in one run.

The library part (import, search against the scan baseline) lives in bench/policies/library.py,
the eligibility part (calculator, reverse match) in bench/policies/eligibility.py; each exposes
`run(connection) -> dict` of figures.
"""

import importlib

from bench.common import bench_database, summary_line

PARTS = ["library", "eligibility"]


def main() -> None:
    with bench_database() as connection:
        figures = {}
        for name in PARTS:
            try:
                part = importlib.import_module(f"bench.policies.{name}")
            except ModuleNotFoundError as error:
                if error.name != f"bench.policies.{name}":
                    raise
                print(f"bench.policies.{name} is not available: skipped")
                continue
            figures.update(part.run(connection))
    print(summary_line("policies", figures))


if __name__ == "__main__":
    main()
