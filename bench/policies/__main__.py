"""`make bench-policies`: import, search, calculator and reverse-match figures in one run.

The library part (import, search against the scan baseline) lives in bench/policies/library.py,
the eligibility part (calculator, reverse match) in bench/policies/eligibility.py; each exposes
`run(connection) -> dict` of figures.
"""

from bench.common import bench_database, summary_line
from bench.policies import eligibility, library


def main() -> None:
    with bench_database() as connection:
        figures = {}
        for part in (library, eligibility):
            figures.update(part.run(connection))
    print(summary_line("policies", figures))


if __name__ == "__main__":
    main()
