"""`make bench-matching`: matching speed (20,000 demands x 5,000 offerings, end to end) and
quality (precision@5 and nDCG@10 against a BM25 baseline) in one run, one summary line."""

from bench.common import bench_database, summary_line


def main() -> None:
    from bench.matching import quality, speed

    with bench_database() as connection:
        figures = speed.run(connection)
        figures.update(quality.run())
    print(
        summary_line(
            "matching",
            {
                "pairs": figures["pairs"],
                "total_s": figures["total_s"],
                "ratio_vs_reference": figures["ratio_vs_reference"],
                "p_at_5": figures["p_at_5"],
                "baseline_p_at_5": figures["baseline_p_at_5"],
                "ndcg_10": figures["ndcg_10"],
                "baseline_ndcg_10": figures["baseline_ndcg_10"],
            },
        )
    )


if __name__ == "__main__":
    main()
