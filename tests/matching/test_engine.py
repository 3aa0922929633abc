"""The pure engine: one test per feature, agreement with the reference scorer, capacity-aware assignment."""

import random

import pytest

from cluster_platform.text import content_terms
from matching import engine as e
from matching import explanations
from matching.models import DEFAULT_WEIGHTS
from matching.reference_scorer import ReferenceBM25, score_subject

ONLY = {name: 0.0 for name in e.FEATURES}


def offering(**fields):
    fields.setdefault("id", "o1")
    fields.setdefault("partner_id", "p1")
    fields.setdefault("category", "mes")
    return e.OfferingInput(**fields)


def subject(**fields):
    fields.setdefault("key", "demand:d1")
    fields.setdefault("sme_id", "s1")
    return e.SubjectInput(**fields)


def value(feature, subj, offerings):
    prepared = e.PreparedOfferings(offerings)
    return [float(v) for v in e.feature_block(prepared, [subj])[feature][0]]


def test_category_exact_child_sibling_other():
    offerings = [
        offering(id="exact", category="mes", category_parent="smart-mfg"),
        offering(id="child", category="mes-cloud", category_parent="mes"),
        offering(id="sibling", category="erp", category_parent="smart-mfg"),
        offering(id="other", category="live", category_parent="marketing"),
    ]
    s = subject(categories=("mes",), category_parents=("smart-mfg",))
    assert value("category", s, offerings) == pytest.approx([1.0, 0.8, 0.5, 0.0])
    assert value("category", subject(), offerings) == pytest.approx([0.5] * 4)  # proactive: no category asked


def test_industry_follows_the_gbt4754_hierarchy():
    offerings = [
        offering(id="class", industries=("C3982",)),
        offering(id="group", industries=("C398",)),
        offering(id="division", industries=("C39",)),
        offering(id="section", industries=("C",)),
        offering(id="any"),
        offering(id="other", industries=("C19", "I65")),
        offering(id="best-of", industries=("C", "C3982")),
    ]
    assert value("industry", subject(industry_code="C3982"), offerings) == pytest.approx(
        [1.0, 0.8, 0.6, 0.3, 0.5, 0.0, 1.0]
    )


def test_size_class():
    offerings = [offering(size_classes=("small", "micro")), offering(size_classes=("large",)), offering()]
    assert value("size", subject(size_class="small"), offerings) == pytest.approx([1.0, 0.0, 0.6])
    assert value("size", subject(), offerings) == pytest.approx([0.5, 0.5, 0.5])


def test_region_district_city_province_nationwide_and_outside():
    offerings = [
        offering(partner_region="320214"),  # same district
        offering(partner_region="320211"),  # same city (Wuxi)
        offering(partner_region="320102"),  # same province (Nanjing)
        offering(partner_region="440111", delivery_mode="online"),  # online, nationwide
        offering(partner_region="440111", delivery_mode="offline"),  # on site from afar
        offering(partner_region="440111", regions=("440000",)),  # serves Guangdong only
        offering(partner_region="320102", regions=("320200",)),  # serves Wuxi: covered
    ]
    assert value("region", subject(region_code="320214"), offerings) == pytest.approx(
        [1.0, 0.8, 0.6, 0.4, 0.1, 0.0, 0.6]
    )


def test_budget_overlap_over_budget_and_unknown():
    offerings = [
        offering(price_min=10_000, price_max=30_000),  # overlaps
        offering(price_min=1_000, price_max=2_000),  # cheaper than the budget
        offering(price_min=55_000, price_max=80_000),  # 10% over
        offering(price_min=100_000),  # double the budget: no fit
        offering(),  # on quotation
    ]
    s = subject(budget_min=5_000, budget_max=50_000)
    assert value("budget", s, offerings) == pytest.approx([1.0, 0.7, 0.4, 0.0, 0.5])
    assert value("budget", subject(), offerings) == pytest.approx([0.5] * 5)


def test_maturity_level_and_weakest_dimension():
    offerings = [
        offering(maturity_levels=(2,), dimensions=("operation",)),  # both fit
        offering(maturity_levels=(3,), dimensions=("foundation",)),  # adjacent level, other gap
        offering(maturity_levels=(4,)),  # far level, no dimension
        offering(),
    ]
    s = subject(maturity_level=2, weakest_dimensions=("operation",))
    assert value("maturity", s, offerings) == pytest.approx([1.0, 0.15, 0.15, 0.4])
    # Level 0 (not yet level 1) is served by level-1 offerings.
    assert value("maturity", subject(maturity_level=0), [offering(maturity_levels=(1,))]) == pytest.approx(
        [0.75]
    )


def test_text_is_bm25_scaled_to_the_best_offering():
    offerings = [
        offering(text=tuple(content_terms("MES 生产管理系统 实施 排产"))),
        offering(text=tuple(content_terms("直播 电商 营销 代运营"))),
        offering(text=tuple(content_terms("MES 系统 选型 咨询"))),
    ]
    values = value("text", subject(text=tuple(content_terms("MES 排产"))), offerings)
    assert values[0] == pytest.approx(1.0)
    assert values[1] == 0.0
    assert 0 < values[2] < 1


def test_quality_and_capacity_headroom():
    offerings = [
        offering(rating_bayes=5.0, rating_count=20, completed_engagements=50, capacity=4, free_capacity=4),
        offering(rating_bayes=2.5, rating_count=3, completed_engagements=0, capacity=4, free_capacity=1),
        offering(capacity=2, free_capacity=0),
    ]
    quality = value("quality", subject(), offerings)
    assert quality[0] == pytest.approx(0.7 + 0.3 * (1 - 2.718281828**-10), rel=1e-4)
    assert quality[1] == pytest.approx(0.35)
    assert quality[2] == pytest.approx(0.7 * 0.6)  # unrated: as a 3-star partner
    assert value("capacity", subject(), offerings) == pytest.approx([1.0, 0.25, 0.0])


def test_weights_select_the_features_and_are_normalised():
    offerings = [
        offering(id="a", category="mes"),
        offering(id="b", category="erp", rating_bayes=5, rating_count=9),
    ]
    s = subject(categories=("mes",))
    by_category = e.match(offerings, [s], {**ONLY, "category": 3.0}, top_n=1)
    assert offerings[by_category[0][0].offering].id == "a"
    assert by_category[0][0].score == pytest.approx(1.0)
    by_quality = e.match(offerings, [s], {**ONLY, "quality": 1.0}, top_n=1)
    assert offerings[by_quality[0][0].offering].id == "b"
    with pytest.raises(ValueError):
        e.normalise_weights(ONLY)


def test_own_and_dismissed_offerings_are_never_recommended():
    offerings = [offering(id="own", partner_id="s1"), offering(id="dismissed"), offering(id="ok")]
    result = e.match(
        offerings, [subject(excluded_offerings=frozenset({"dismissed"}))], DEFAULT_WEIGHTS, top_n=5
    )
    assert [offerings[m.offering].id for m in result[0]] == ["ok"]


def test_capacity_aware_assignment_spreads_a_popular_offering():
    popular = offering(
        id="popular", category="mes", rating_bayes=5, rating_count=50, capacity=2, free_capacity=2
    )
    others = [
        offering(id=f"o{i}", category="mes", partner_id=f"p{i}", capacity=5, free_capacity=5)
        for i in range(3)
    ]
    offerings = [popular, *others]
    subjects = [subject(key=f"demand:{i}", categories=("mes",)) for i in range(6)]
    result = e.match(offerings, subjects, DEFAULT_WEIGHTS, top_n=1)
    chosen = [offerings[result[i][0].offering].id for i in range(6)]
    assert chosen.count("popular") == 2  # its free capacity, not all six
    assert len(chosen) == 6
    # Greedy in score order: the best pairs get the popular slots.
    assert (
        e.assign(
            e.score_candidates(e.PreparedOfferings(offerings), subjects, DEFAULT_WEIGHTS, per_subject=4),
            top_n=1,
            slots=[0, 5, 5, 5],
        )[0][0].offering
        != 0
    )


def test_explanation_carries_every_feature_biggest_first():
    o = offering(industries=("C39",), partner_region="320214", rating_bayes=4.7, rating_count=12)
    s = subject(industry_code="C3982", region_code="320214", categories=("mes",))
    (m,) = e.match([o], [s], DEFAULT_WEIGHTS, top_n=1)[0]
    rows = explanations.explain(s, o, m.values, DEFAULT_WEIGHTS)
    assert {row["feature"] for row in rows} == set(e.FEATURES)
    assert [row["contribution"] for row in rows] == sorted(
        (row["contribution"] for row in rows), reverse=True
    )
    assert sum(row["contribution"] for row in rows) == pytest.approx(m.score, abs=1e-3)
    line = explanations.explanation_line(rows)
    assert "category mes +0.20" in line
    assert "industry C39 +0.09" in line  # division level: 0.6 x 0.15
    reasons = {row["feature"]: row["reason"] for row in rows}
    assert reasons["region"] == "same district"
    assert reasons["quality"].startswith("rating 4.7")


def test_engine_agrees_with_the_reference_scorer_on_random_pairs():
    rng = random.Random(7)
    words = [
        "数字化",
        "转型",
        "诊断",
        "咨询",
        "MES",
        "排产",
        "质量",
        "追溯",
        "ERP",
        "财务",
        "电商",
        "直播",
        "营销",
        "设备",
        "联网",
        "云",
    ]
    cats = [("mes", "smart-mfg"), ("erp", "smart-mfg"), ("live", "marketing"), ("diag", "")]
    offerings = []
    for i in range(50):
        category, parent = rng.choice(cats)
        low = rng.choice([None, 1_000.0, 50_000.0])
        offerings.append(
            offering(
                id=f"o{i}",
                partner_id=f"p{i % 6}",
                category=category,
                category_parent=parent,
                industries=tuple(rng.sample(["C39", "C3982", "C", "C19", "C398"], rng.randint(0, 2))),
                size_classes=tuple(rng.sample(["micro", "small", "medium"], rng.randint(0, 2))),
                regions=tuple(rng.sample(["320000", "320200", "440100", "320214"], rng.randint(0, 2))),
                partner_region=rng.choice(["320214", "320211", "320102", "440111"]),
                delivery_mode=rng.choice(["online", "offline", "hybrid"]),
                price_min=low,
                price_max=None if low is None else low * rng.choice([1, 3]),
                maturity_levels=tuple(rng.sample([1, 2, 3, 4], rng.randint(0, 2))),
                dimensions=tuple(rng.sample(["foundation", "operation", "management"], rng.randint(0, 2))),
                text=tuple(rng.choices(words, k=rng.randint(0, 8))),
                rating_bayes=rng.uniform(3, 5),
                rating_count=rng.randint(0, 5),
                completed_engagements=rng.randint(0, 4),
                capacity=5,
                free_capacity=rng.randint(0, 5),
            )
        )
    subjects = []
    for i in range(30):
        picked = rng.sample(cats, rng.randint(0, 2))
        subjects.append(
            subject(
                key=f"demand:{i}",
                sme_id=rng.choice(["p1", "s1", "s2"]),
                categories=tuple(c for c, _ in picked),
                category_parents=tuple(p for _, p in picked if p),
                industry_code=rng.choice(["C3982", "C3911", "C1910", ""]),
                size_class=rng.choice(["micro", "small", "", "large"]),
                region_code=rng.choice(["320214", "320211", "440111", ""]),
                budget_max=rng.choice([None, 2_000.0, 100_000.0]),
                maturity_level=rng.choice([None, 0, 1, 2, 3, 4]),
                weakest_dimensions=tuple(
                    rng.sample(["foundation", "operation", "outcome"], rng.randint(0, 2))
                ),
                text=tuple(rng.choices(words, k=rng.randint(0, 5))),
                excluded_offerings=frozenset(rng.sample([f"o{j}" for j in range(50)], 3)),
            )
        )
    prepared = e.PreparedOfferings(offerings)
    candidates = e.score_candidates(prepared, subjects, DEFAULT_WEIGHTS, per_subject=50, block=7)
    bm25 = ReferenceBM25([o.text for o in offerings])
    reference = [score_subject(s, offerings, DEFAULT_WEIGHTS, bm25) for s in subjects]
    expected_pairs = sum(1 for rows in reference for score, _ in rows if score >= 0)
    assert len(candidates) == expected_pairs
    for match in candidates:
        score, values = reference[match.subject][match.offering]
        assert match.score == pytest.approx(score, abs=1e-5)
        for name in e.FEATURES:
            assert match.values[name] == pytest.approx(values[name], abs=1e-5), name
