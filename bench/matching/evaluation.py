"""Matching quality on the judged set in bench/matching/eval/ (see its README): the engine against
BM25, character-bigram overlap and category-only baselines, computed in the same run.

The set is loaded into PostgreSQL as real rows (a cluster, its partners and SMEs, published
offerings, open demands with their categories), and the engine ranks each demand's offerings
through the production path: `matching_inputs_load` reads the rows back exactly as a match run
does, and the engine scores every (demand, offering) pair. A demand's ranking is its offerings by
descending score, before the capacity-aware assignment: capacity decides who gets a scarce slot,
not what fits, and the set's 49 demands would otherwise compete for the same few slots.

The set is frozen: every data file's SHA-256 must equal the one in eval/SHA256SUMS, or the
evaluation refuses to run (a set edited after tuning would measure nothing).
"""

import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

EVAL_DIR = Path(__file__).parent / "eval"
CHECKSUMS = EVAL_DIR / "SHA256SUMS"
CLUSTER_SLUG = "bench-matching-eval"
# The baselines' BM25 parameters are the textbook ones, independent of the engine's.
BM25_K1, BM25_B = 1.2, 0.75


class ModifiedSetError(RuntimeError):
    pass


def verify_frozen(directory: Path = EVAL_DIR) -> None:
    """Raise ModifiedSetError unless every file listed in SHA256SUMS has exactly that checksum."""
    listed = {}
    for line in (directory / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            listed[name.strip()] = digest
    if not listed:
        raise ModifiedSetError("SHA256SUMS lists no file")
    for name, digest in listed.items():
        path = directory / name
        actual = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"
        if actual != digest:
            raise ModifiedSetError(
                f"{name} does not match its frozen checksum ({actual[:12]} != {digest[:12]}); "
                "the judged set must not change after tuning"
            )


def _jsonl(name: str, directory: Path) -> list[dict]:
    with (directory / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@dataclass
class JudgedSet:
    partners: list[dict]
    offerings: list[dict]
    smes: list[dict]
    demands: list[dict]
    grades: dict[str, dict[str, int]]  # demand key -> offering key -> grade (unlisted = 0)


def load_set(directory: Path = EVAL_DIR) -> JudgedSet:
    verify_frozen(directory)
    grades: dict[str, dict[str, int]] = {}
    for row in _jsonl("labels.jsonl", directory):
        grades.setdefault(row["demand"], {})[row["offering"]] = int(row["grade"])
    return JudgedSet(
        partners=_jsonl("partners.jsonl", directory),
        offerings=_jsonl("offerings.jsonl", directory),
        smes=_jsonl("smes.jsonl", directory),
        demands=_jsonl("demands.jsonl", directory),
        grades=grades,
    )


def half(demand_key: str) -> str:
    """The fixed split: odd demand numbers tune, even ones are held out."""
    return "tuning" if int(demand_key[1:]) % 2 else "heldout"


# --- metrics ---------------------------------------------------------------------------------


def precision_at(ranking: Sequence[str], grades: dict[str, int], k: int = 5) -> float:
    return sum(1 for key in ranking[:k] if grades.get(key, 0) >= 1) / k


def ndcg_at(ranking: Sequence[str], grades: dict[str, int], k: int = 10) -> float:
    def dcg(gains):
        return sum((2**gain - 1) / math.log2(rank + 2) for rank, gain in enumerate(gains))

    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    return dcg([grades.get(key, 0) for key in ranking[:k]]) / ideal if ideal else 0.0


def summarise(
    rankings: dict[str, list[str]], judged: JudgedSet, demands: Sequence[str]
) -> tuple[float, float]:
    if not demands:
        return float("nan"), float("nan")
    p5 = [precision_at(rankings.get(d, []), judged.grades.get(d, {})) for d in demands]
    ndcg = [ndcg_at(rankings.get(d, []), judged.grades.get(d, {})) for d in demands]
    return sum(p5) / len(p5), sum(ndcg) / len(ndcg)


# --- baselines (no engine code: they must not move when the engine does) ------------------------


def _ranked(scores: dict[str, float]) -> list[str]:
    """Best first; ties by offering key so every run gives the same order."""
    return [key for key, _score in sorted(scores.items(), key=lambda item: (-item[1], item[0]))]


def _demand_text(demand: dict) -> str:
    return f"{demand['title']} {demand['description']}"


def _offering_text(offering: dict, *, description: bool) -> str:
    parts = [offering["title"], offering["summary"], " ".join(offering.get("tags", ()))]
    if description:
        parts.append(offering.get("description", ""))
    return " ".join(parts)


def bm25_rankings(judged: JudgedSet, tokenize: Callable[[str], list[str]]) -> dict[str, list[str]]:
    """Okapi BM25 of the demand's title and description against each offering's title, summary,
    tags and description (rjieba tokens)."""
    documents = {o["key"]: Counter(tokenize(_offering_text(o, description=True))) for o in judged.offerings}
    lengths = {key: sum(counts.values()) for key, counts in documents.items()}
    average = sum(lengths.values()) / len(lengths)
    frequency = Counter(term for counts in documents.values() for term in counts)
    n = len(documents)
    idf = {term: math.log1p((n - df + 0.5) / (df + 0.5)) for term, df in frequency.items()}
    rankings = {}
    for demand in judged.demands:
        query = Counter(tokenize(_demand_text(demand)))
        scores = {}
        for key, counts in documents.items():
            norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths[key] / average)
            scores[key] = sum(
                count * idf[term] * counts[term] * (BM25_K1 + 1) / (counts[term] + norm)
                for term, count in query.items()
                if term in counts
            )
        rankings[demand["key"]] = _ranked(scores)
    return rankings


def _bigrams(text: str) -> set[str]:
    characters = [c for c in text.lower() if c.isalnum()]
    return {a + b for a, b in zip(characters, characters[1:], strict=False)}


def overlap_rankings(judged: JudgedSet) -> dict[str, list[str]]:
    """Share of the demand's character bigrams found in the offering's title, summary and tags."""
    documents = {o["key"]: _bigrams(_offering_text(o, description=False)) for o in judged.offerings}
    rankings = {}
    for demand in judged.demands:
        query = _bigrams(_demand_text(demand))
        rankings[demand["key"]] = _ranked(
            {key: len(query & grams) / max(1, len(query)) for key, grams in documents.items()}
        )
    return rankings


def category_rankings(judged: JudgedSet, parent_of: dict[str, str]) -> dict[str, list[str]]:
    """1 the offering's category was ticked, 0.5 it shares a parent with a ticked one, else 0."""
    rankings = {}
    for demand in judged.demands:
        ticked = set(demand["categories"])
        parents = {parent_of.get(code, "") for code in ticked} - {""}
        scores = {}
        for offering in judged.offerings:
            category = offering["category"]
            if category in ticked:
                scores[offering["key"]] = 1.0
            elif parent_of.get(category, "") in parents:
                scores[offering["key"]] = 0.5
            else:
                scores[offering["key"]] = 0.0
        rankings[demand["key"]] = _ranked(scores)
    return rankings


# --- the set as database rows, and the engine's rankings ---------------------------------------


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def populate(judged: JudgedSet):
    """The judged set as rows of one fresh cluster; returns (cluster, demand pk -> key, offering pk -> key)."""
    from cluster_platform.models import Cluster
    from enterprises.models import Enterprise, Membership, MembershipRole, MembershipStatus
    from enterprises.uscc import uscc_compose
    from services.models import Demand, DemandStatus, Offering, OfferingStatus

    cluster = Cluster.objects.create(
        slug=CLUSTER_SLUG, name="评测集群", region_code="440000", agency_name="评测促进中心"
    )
    enterprises = {}
    for serial, row in enumerate([*judged.partners, *judged.smes], start=700_000):
        enterprises[row["key"]] = Enterprise.objects.create(
            uscc=uscc_compose(region_code=row["region_code"], serial=serial),
            name=row["name"],
            region_code=row["region_code"],
            industry_code=row.get("industry_code", "I65"),
            size_class=row.get("size_class", ""),
            digital_maturity_level=row.get("maturity_level"),
            description=row.get("description", ""),
        )
    for rows, role in ((judged.partners, MembershipRole.PARTNER), (judged.smes, MembershipRole.SME)):
        Membership.objects.bulk_create(
            [
                Membership(
                    cluster=cluster,
                    enterprise=enterprises[r["key"]],
                    role=role,
                    status=MembershipStatus.APPROVED,
                )
                for r in rows
            ]
        )
    offering_keys = {}
    for row in judged.offerings:
        offering = Offering.objects.create(
            cluster=cluster,
            partner=enterprises[row["partner"]],
            category_id=row["category"],
            title=row["title"],
            summary=row["summary"],
            description=row.get("description", ""),
            delivery_mode=row["delivery_mode"],
            target_industries=row.get("target_industries", []),
            target_size_classes=row.get("target_size_classes", []),
            regions_served=row.get("regions_served", []),
            maturity_levels=row.get("maturity_levels", []),
            price_model=row["price_model"],
            price_min=_money(row.get("price_min")),
            price_max=_money(row.get("price_max")),
            capacity=row.get("capacity", 3),
            tags=row.get("tags", []),
            status=OfferingStatus.PUBLISHED,
        )
        offering_keys[str(offering.pk)] = row["key"]
    demand_keys = {}
    for row in judged.demands:
        demand = Demand.objects.create(
            cluster=cluster,
            sme=enterprises[row["sme"]],
            title=row["title"],
            description=row["description"],
            budget_min=_money(row.get("budget_min")),
            budget_max=_money(row.get("budget_max")),
            status=DemandStatus.OPEN,
        )
        demand.categories.set(row["categories"])
        demand_keys[str(demand.pk)] = row["key"]
    return cluster, demand_keys, offering_keys


def engine_rankings(cluster, demand_keys: dict, offering_keys: dict) -> tuple[dict[str, list[str]], dict]:
    """Each demand's offerings as the engine orders them, read back through the production loader,
    and the weights the engine scored with."""
    from matching import engine
    from matching.selectors import matching_inputs_load

    inputs = matching_inputs_load(cluster=cluster, scope=[])
    subjects = [s for s in inputs.subjects if s.key.startswith("demand:")]
    prepared = engine.PreparedOfferings(inputs.offerings)
    used = engine.run_weights(prepared, inputs.weights)
    candidates = engine.candidate_arrays(prepared, subjects, inputs.weights, per_subject=prepared.n)
    scored: dict[str, list[tuple[float, str]]] = {}
    for subject, offering, score in zip(
        candidates.subject.tolist(), candidates.offering.tolist(), candidates.score.tolist(), strict=True
    ):
        demand = demand_keys[subjects[subject].key.split(":", 1)[1]]
        key = offering_keys[inputs.offerings[offering].id]
        scored.setdefault(demand, []).append((-score, key))
    return {demand: [key for _score, key in sorted(pairs)] for demand, pairs in scored.items()}, used


def run() -> dict:
    """Figures of the engine and the baselines on the whole set and on each half (needs a database)."""
    from cluster_platform.text import content_terms
    from services.models import Category

    judged = load_set()
    cluster, demand_keys, offering_keys = populate(judged)
    parent_of = dict(Category.objects.values_list("code", "parent_id"))
    engine_ranked, used = engine_rankings(cluster, demand_keys, offering_keys)
    systems = {
        "engine": engine_ranked,
        "bm25": bm25_rankings(judged, content_terms),
        "overlap": overlap_rankings(judged),
        "category": category_rankings(judged, {code: parent or "" for code, parent in parent_of.items()}),
    }
    everything = [d["key"] for d in judged.demands]
    halves = {
        "all": everything,
        **{name: [d for d in everything if half(d) == name] for name in ("tuning", "heldout")},
    }
    # The set has no engagements, so no partner has a measured client uplift: that feature is the
    # same for every offering and scores with weight 0 here (it cannot move these figures).
    figures = {
        "demands": len(everything),
        "offerings": len(judged.offerings),
        "uplift_weight": used["uplift"],
    }
    for system, rankings in systems.items():
        for name, demands in halves.items():
            p5, ndcg = summarise(rankings, judged, demands)
            figures[f"{system}_{name}_p_at_5"] = p5
            figures[f"{system}_{name}_ndcg_10"] = ndcg
    for name in ("all", "tuning", "heldout"):
        print(
            f"quality ({name}, {len(halves[name])} demands): "
            + "; ".join(
                f"{system} p@5={figures[f'{system}_{name}_p_at_5']:.3f} nDCG@10={figures[f'{system}_{name}_ndcg_10']:.3f}"
                for system in systems
            )
        )
    figures["rankings"] = systems
    return figures


def quality_line(figures: dict) -> str:
    from bench.common import summary_line

    keys = {
        "demands": "demands",
        "p_at_5": "engine_all_p_at_5",
        "ndcg_10": "engine_all_ndcg_10",
        "bm25_p_at_5": "bm25_all_p_at_5",
        "bm25_ndcg_10": "bm25_all_ndcg_10",
        "overlap_p_at_5": "overlap_all_p_at_5",
        "overlap_ndcg_10": "overlap_all_ndcg_10",
        "category_p_at_5": "category_all_p_at_5",
        "category_ndcg_10": "category_all_ndcg_10",
        "tuning_p_at_5": "engine_tuning_p_at_5",
        "tuning_ndcg_10": "engine_tuning_ndcg_10",
        "heldout_p_at_5": "engine_heldout_p_at_5",
        "heldout_ndcg_10": "engine_heldout_ndcg_10",
        "heldout_best_baseline_p_at_5": None,
        "heldout_best_baseline_ndcg_10": None,
        "uplift_weight": "uplift_weight",
    }
    values = {}
    for name, source in keys.items():
        if source is None:
            metric = name.removeprefix("heldout_best_baseline_")
            source_value = max(figures[f"{b}_heldout_{metric}"] for b in ("bm25", "overlap", "category"))
            values[name] = round(source_value, 3)
        else:
            value = figures[source]
            values[name] = value if isinstance(value, int) else round(float(value), 3)
    return summary_line("matching-quality", values)


def main() -> None:
    from bench.common import bench_database

    with bench_database("cluster_platform_bench_matching_eval"):
        figures = run()
    print(quality_line(figures))


if __name__ == "__main__":
    main()
