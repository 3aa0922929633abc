"""`make bench-matching`: matching speed (20,000 demands x 5,000 offerings, end to end) and
quality on the judged set (the engine against BM25, character-bigram overlap and category-only
baselines), in one throw-away database; a summary line for each."""

from bench.common import bench_database, summary_line


def main() -> None:
    from bench.matching import evaluation, speed

    # Its own database, so that it can run beside another benchmark on the same server.
    with bench_database("cluster_platform_bench_matching") as connection:
        figures = speed.run(connection)
        quality = evaluation.run()
    print(
        summary_line(
            "matching",
            {
                "pairs": figures["pairs"],
                "total_s": figures["total_s"],
                "engine_ns_per_pair": figures["engine_ns_per_pair"],
                "ratio_vs_reference": figures["ratio_vs_reference"],
                "writers": figures["writers"],
            },
        )
    )
    print(evaluation.quality_line(quality))


if __name__ == "__main__":
    main()
