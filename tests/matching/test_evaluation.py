"""The judged evaluation set stays frozen, well-formed and split by its fixed rule; the metrics
and baselines of bench/matching/evaluation.py compute what they claim."""

import json
import math
import shutil

import pytest

from bench.matching import evaluation


def test_the_committed_set_matches_its_checksums():
    evaluation.verify_frozen()


def test_a_modified_set_is_refused(tmp_path):
    copy = tmp_path / "eval"
    shutil.copytree(evaluation.EVAL_DIR, copy)
    labels = copy / "labels.jsonl"
    lines = labels.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["grade"] = 0 if first["grade"] else 2
    labels.write_text("\n".join([json.dumps(first, ensure_ascii=False), *lines[1:]]) + "\n", encoding="utf-8")
    with pytest.raises(evaluation.ModifiedSetError, match="labels.jsonl"):
        evaluation.load_set(copy)


def test_a_missing_file_is_refused(tmp_path):
    copy = tmp_path / "eval"
    shutil.copytree(evaluation.EVAL_DIR, copy)
    (copy / "offerings.jsonl").unlink()
    with pytest.raises(evaluation.ModifiedSetError, match="offerings.jsonl"):
        evaluation.verify_frozen(copy)


def test_the_set_is_large_enough_and_every_label_is_well_formed():
    judged = evaluation.load_set()
    assert len(judged.demands) >= 40 and len(judged.offerings) >= 150
    offerings = {o["key"] for o in judged.offerings}
    demands = {d["key"] for d in judged.demands}
    smes = {s["key"] for s in judged.smes}
    partners = {p["key"] for p in judged.partners}
    assert all(o["partner"] in partners for o in judged.offerings)
    assert all(d["sme"] in smes for d in judged.demands)
    with (evaluation.EVAL_DIR / "labels.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    assert all(r["demand"] in demands and r["offering"] in offerings for r in rows)
    assert all(r["grade"] in (0, 1, 2) and r["reason"].strip() for r in rows)
    assert len({(r["demand"], r["offering"]) for r in rows}) == len(rows)
    # Every demand has at least one offering that helps.
    assert all(any(g > 0 for g in judged.grades.get(d, {}).values()) for d in demands)


def test_the_split_is_fixed_by_demand_number_and_covers_both_halves():
    judged = evaluation.load_set()
    halves = [evaluation.half(d["key"]) for d in judged.demands]
    assert evaluation.half("D01") == "tuning" and evaluation.half("D02") == "heldout"
    assert halves.count("tuning") >= 20 and halves.count("heldout") >= 20


def test_precision_counts_partly_relevant_and_ndcg_rewards_the_ideal_order():
    grades = {"a": 2, "b": 1, "c": 0}
    assert evaluation.precision_at(["c", "b", "x", "a", "y"], grades) == pytest.approx(2 / 5)
    assert evaluation.ndcg_at(["a", "b", "c"], grades) == pytest.approx(1.0)
    worse = evaluation.ndcg_at(["b", "a"], grades)
    expected = (1 + 3 / math.log2(3)) / (3 + 1 / math.log2(3))
    assert worse == pytest.approx(expected)
    assert evaluation.ndcg_at(["x", "y"], grades) == 0.0


def _tiny_set():
    offerings = [
        {"key": "O1", "category": "saas-mes", "title": "印染MES", "summary": "配方 排产", "tags": ["印染"]},
        {"key": "O2", "category": "saas-oa", "title": "OA审批", "summary": "请假 报销", "tags": []},
        {"key": "O3", "category": "testing", "title": "纺织检测", "summary": "色牢度", "tags": []},
    ]
    demands = [
        {"key": "D1", "title": "染厂配方排产", "description": "印染厂想管配方", "categories": ["saas-oa"]}
    ]
    return evaluation.JudgedSet(
        partners=[], offerings=offerings, smes=[], demands=demands, grades={"D1": {"O1": 2}}
    )


def test_baselines_rank_by_their_own_signal():
    judged = _tiny_set()
    assert evaluation.overlap_rankings(judged)["D1"][0] == "O1"
    assert evaluation.bm25_rankings(judged, lambda text: [c for c in text if c.strip()])["D1"][0] == "O1"
    parents = {"saas-mes": "cloud-saas", "saas-oa": "cloud-saas", "testing": "testing-certification"}
    ranking = evaluation.category_rankings(judged, parents)["D1"]
    assert ranking == ["O2", "O1", "O3"]
