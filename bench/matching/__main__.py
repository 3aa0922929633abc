"""`make bench-matching`: matching speed (20,000 demands x 5,000 offerings, end to end) and
quality on the judged set (the engine against BM25, character-bigram overlap and category-only
baselines), in one throw-away database; a summary line for each."""

from bench.common import bench_database, summary_line


def main() -> None:
    from bench.matching import evaluation, speed

    with bench_database() as connection:
        figures = speed.run(connection)
        quality = evaluation.run()
    print(
        summary_line(
            "matching",
            {
                "pairs": figures["pairs"],
                "total_s": figures["total_s"],
                "ratio_vs_reference": figures["ratio_vs_reference"],
            },
        )
    )
    print(evaluation.quality_line(quality))


if __name__ == "__main__":
    main()
