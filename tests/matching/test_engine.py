"""The pure engine: one test per feature, agreement with the reference scorer, capacity-aware assignment."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import engine as e
from matching import explanations
from matching.models import DEFAULT_WEIGHTS
from matching.profile import demand_text, offering_text
from matching.reference_scorer import ReferenceText, score_subject

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
    assert value("category", s, offerings) == pytest.approx([1.0, 0.8, 0.2, 0.0])
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
        offering(free=True),  # free of charge
    ]
    s = subject(budget_min=5_000, budget_max=50_000)
    assert value("budget", s, offerings) == pytest.approx([1.0, 0.9, 0.4, 0.0, 0.5, 1.0])
    assert value("budget", subject(), offerings) == pytest.approx([0.5] * 5 + [1.0])


def test_maturity_level_and_weakest_dimension():
    offerings = [
        offering(maturity_levels=(2,), dimensions=("operation",)),  # both fit
        offering(maturity_levels=(3,), dimensions=("foundation",)),  # adjacent level, other gap
        offering(maturity_levels=(4,)),  # far level, no dimension
        offering(),
    ]
    s = subject(key="sme:s1", maturity_level=2, weakest_dimensions=("operation",))
    assert value("maturity", s, offerings) == pytest.approx([1.0, 0.15, 0.15, 0.4])
    # A demand states its need: the SME's weakest dimensions do not steer it.
    demand = subject(maturity_level=2, weakest_dimensions=("operation",))
    assert value("maturity", demand, offerings) == pytest.approx([0.75, 0.4, 0.25, 0.5])
    # Level 0 (not yet level 1) is served by level-1 offerings.
    assert value("maturity", subject(maturity_level=0), [offering(maturity_levels=(1,))]) == pytest.approx(
        [0.75]
    )


def _text_offering(title, **fields):
    text = offering_text(title=title, summary="", description="", tags=())
    return offering(text=text.terms, bigrams=text.bigrams, **fields)


def _text_subject(title, **fields):
    text = demand_text(title=title, description="")
    return subject(text=text.terms, bigrams=text.bigrams, **fields)


def test_text_is_bm25_of_words_and_bigrams_scaled_to_the_best_offering():
    offerings = [
        _text_offering("MES 生产管理系统 实施 排产"),
        _text_offering("直播 电商 营销 代运营"),
        _text_offering("MES 系统 选型 咨询"),
    ]
    values = value("text", _text_subject("MES 排产"), offerings)
    assert values[0] == pytest.approx(1.0)
    assert values[1] == 0.0
    assert 0 < values[2] < 1


TEXT_WORDS_ONLY = e.TEXT_WORD_SHARE


def test_synonyms_meet_where_the_words_differ():
    offerings = [_text_offering("车间设备上云快速版"), _text_offering("车间安全培训")]
    values = value("text", _text_subject("机联网"), offerings)
    assert values[0] == pytest.approx(TEXT_WORDS_ONLY) and values[1] == 0.0  # no bigram in common
    # 生产执行系统 and MES are one concept; the word 系统, in every software offering, says little.
    systems = [_text_offering(title) for title in ("MES实施", "OA系统", "ERP系统", "WMS仓储系统", "CRM系统")]
    values = value("text", _text_subject("生产执行系统"), systems)
    assert values[0] == max(values) and values[0] > values[1]


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
    unrated = offering(id="o2", partner_id="p2", category="erp")
    s = subject(industry_code="C3982", region_code="320214", categories=("mes",))
    prepared = e.PreparedOfferings([o, unrated])
    weights = e.run_weights(prepared, DEFAULT_WEIGHTS)
    m = next(m for m in e.match([o, unrated], [s], weights, top_n=2)[0] if m.offering == 0)
    rows = explanations.explain(s, o, m.values, weights)
    assert {row["feature"] for row in rows} == set(e.FEATURES)
    assert [row["contribution"] for row in rows] == sorted(
        (row["contribution"] for row in rows), reverse=True
    )
    assert sum(row["contribution"] for row in rows) == pytest.approx(m.score, abs=1e-3)
    line = explanations.explanation_line(rows)
    # Capacity is the same for both offerings: its weight (0.05) goes to the others.
    assert weights["capacity"] == 0 and weights["quality"] == DEFAULT_WEIGHTS["quality"]
    assert f"category mes +{0.12 / 0.95:.2f}" in line
    reasons = {row["feature"]: row["reason"] for row in rows}
    industry = next(row for row in rows if row["feature"] == "industry")
    assert industry["reason"] == "industry C39"  # division level
    assert industry["contribution"] == pytest.approx(0.6 * 0.10 / 0.95, abs=1e-4)
    assert reasons["region"] == "same district"
    assert reasons["quality"].startswith("rating 4.7")
    assert reasons["capacity"] == "the same for every offering in this run, not weighted"


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
        "机联网",
        "生产执行系统",
        "直播带货",
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
                **_random_text(rng, words, 8),
                free=rng.random() < 0.1,
                rating_bayes=rng.uniform(3, 5),
                rating_count=rng.randint(0, 5),
                completed_engagements=rng.randint(0, 4),
                capacity=5,
                free_capacity=rng.randint(0, 5),
                **_random_uplift(rng),
            )
        )
    subjects = []
    for i in range(30):
        picked = rng.sample(cats, rng.randint(0, 2))
        subjects.append(
            subject(
                key=f"{'sme' if i % 4 == 0 else 'demand'}:{i}",
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
                **_random_text(rng, words, 5),
                excluded_offerings=frozenset(rng.sample([f"o{j}" for j in range(50)], 3)),
            )
        )
    prepared = e.PreparedOfferings(offerings)
    candidates = e.score_candidates(prepared, subjects, DEFAULT_WEIGHTS, per_subject=50, block=7)
    text = ReferenceText(offerings)
    reference = [score_subject(s, offerings, DEFAULT_WEIGHTS, text) for s in subjects]
    expected_pairs = sum(1 for rows in reference for score, _ in rows if score >= 0)
    assert len(candidates) == expected_pairs
    for match in candidates:
        score, values = reference[match.subject][match.offering]
        assert match.score == pytest.approx(score, abs=1e-5)
        for name in e.FEATURES:
            assert match.values[name] == pytest.approx(values[name], abs=1e-5), name


def _random_uplift(rng):
    if rng.random() < 0.5:
        return {}  # fewer than three clients measured
    return {"uplift_levels": round(rng.uniform(-1.5, 2.0), 2), "uplift_clients": rng.randint(3, 20)}


def _random_text(rng, words, most):
    profile = demand_text(title=" ".join(rng.choices(words, k=rng.randint(0, most))), description="")
    return {"text": profile.terms, "bigrams": profile.bigrams}


def test_declarations_exclude_the_smes_they_leave_out():
    offerings = [
        offering(id="foshan-only", regions=("440600",)),
        offering(id="textile-only", industries=("C17",)),
        offering(id="medium-and-large", size_classes=("medium", "large")),
        offering(id="open"),
    ]
    sme = subject(region_code="320214", industry_code="C3982", size_class="small")
    recommended = e.match(offerings, [sme], DEFAULT_WEIGHTS, top_n=5)[0]
    assert [offerings[m.offering].id for m in recommended] == ["open"]
    # An SME fact nobody knows excludes nothing.
    unknown = e.match(offerings, [subject()], DEFAULT_WEIGHTS, top_n=5)[0]
    assert len(unknown) == 4
    inside = subject(region_code="440605", industry_code="C1712", size_class="medium")
    assert len(e.match(offerings, [inside], DEFAULT_WEIGHTS, top_n=5)[0]) == 4


def test_priors_equal_for_every_offering_carry_no_weight():
    offerings = [offering(id="a"), offering(id="b", partner_id="p2")]  # both unrated, both free
    weights = e.run_weights(e.PreparedOfferings(offerings), DEFAULT_WEIGHTS)
    assert weights["quality"] == 0 and weights["capacity"] == 0
    assert weights["text"] == DEFAULT_WEIGHTS["text"]
    rated = [offering(id="a", rating_bayes=4.5, rating_count=3), offering(id="b", partner_id="p2")]
    assert e.run_weights(e.PreparedOfferings(rated), DEFAULT_WEIGHTS)["quality"] == DEFAULT_WEIGHTS["quality"]
    # Nothing else to score with: the agency's weights stand.
    only_quality = {**ONLY, "quality": 1.0}
    assert e.run_weights(e.PreparedOfferings(offerings), only_quality) == only_quality


def test_demands_take_capacity_before_proactive_recommendations():
    diagnosis = offering(id="diagnosis", category="diag", capacity=2, free_capacity=2)
    fallback = offering(id="fallback", category="other", partner_id="p2", capacity=50, free_capacity=50)
    offerings = [diagnosis, fallback]
    # Proactive subjects that fit the free diagnosis better than the demands do.
    proactive = [subject(key=f"sme:{i}", sme_id=f"s{i}", categories=("diag",)) for i in range(5)]
    demands = [subject(key=f"demand:{i}", sme_id=f"t{i}") for i in range(2)]
    subjects = [*proactive, *demands]
    result = e.match(offerings, subjects, DEFAULT_WEIGHTS, top_n=1)
    holders = [
        subjects[i].key for i, matches in result.items() if offerings[matches[0].offering].id == "diagnosis"
    ]
    assert sorted(holders) == ["demand:0", "demand:1"]


_prices = st.one_of(st.none(), st.floats(min_value=0, max_value=1e6, allow_nan=False))


@st.composite
def _pairs(draw):
    low = draw(_prices)
    high = None if low is None else draw(st.one_of(st.none(), st.floats(min_value=low, max_value=2e6)))
    budget_max = draw(_prices)
    budget_min = None if budget_max is None else draw(st.one_of(st.none(), st.floats(0, budget_max)))
    target = offering(
        id="target",
        price_min=low,
        price_max=high,
        free=draw(st.booleans()),
        regions=tuple(draw(st.lists(st.sampled_from(["320000", "320214", "440100"]), max_size=2))),
        industries=tuple(draw(st.lists(st.sampled_from(["C39", "C3982", "C17"]), max_size=2))),
        size_classes=tuple(draw(st.lists(st.sampled_from(e.SIZE_CLASSES), max_size=2))),
        partner_region=draw(st.sampled_from(["320214", "320211", "440111", ""])),
        delivery_mode=draw(st.sampled_from(["online", "offline", "hybrid"])),
        rating_bayes=draw(st.floats(1, 5)),
        rating_count=draw(st.integers(0, 5)),
        capacity=5,
        free_capacity=draw(st.integers(0, 5)),
        **_random_text(random.Random(draw(st.integers(0, 10**6))), ["设备联网", "MES", "直播", "检测"], 4),
        **draw(
            st.one_of(
                st.just({}),
                st.fixed_dictionaries(
                    {
                        "uplift_levels": st.floats(-3, 3).map(lambda levels: round(levels, 2)),
                        "uplift_clients": st.integers(3, 40),
                    }
                ),
            )
        ),
    )
    other = offering(
        id="other", partner_id="p2", rating_count=1, rating_bayes=3.0, capacity=5, free_capacity=5
    )
    pair_subject = subject(
        categories=tuple(draw(st.lists(st.sampled_from(["mes", "erp"]), max_size=1))),
        industry_code=draw(st.sampled_from(["C3982", "C1712", ""])),
        size_class=draw(st.sampled_from([*e.SIZE_CLASSES, ""])),
        region_code=draw(st.sampled_from(["320214", "440111", ""])),
        budget_min=budget_min,
        budget_max=budget_max,
        maturity_level=draw(st.sampled_from([None, 0, 2])),
        **_random_text(
            random.Random(draw(st.integers(0, 10**6))), ["设备上云", "生产执行系统", "直播带货"], 4
        ),
    )
    return target, other, pair_subject


@settings(max_examples=300, deadline=None)
@given(_pairs())
def test_every_explanation_line_is_true(pair):
    """Each stored line is weight x value of the score it explains, and its reason follows from
    the facts: no negative "over budget", free offerings read as free, nothing excluded shows."""
    target, other, pair_subject = pair
    offerings = [target, other]
    prepared = e.PreparedOfferings(offerings)
    weights = e.run_weights(prepared, DEFAULT_WEIGHTS)
    matches = e.match(offerings, [pair_subject], weights, top_n=2, prepared=prepared).get(0, [])
    raw = dict(zip(e.FEATURES, e.normalise_weights(weights).tolist(), strict=True))
    for match in matches:
        o = offerings[match.offering]
        rows = explanations.explain(pair_subject, o, match.values, weights)
        assert sum(row["contribution"] for row in rows) == pytest.approx(match.score, abs=1e-3)
        for row in rows:
            assert 0 <= row["value"] <= 1
            assert row["contribution"] == round(raw[row["feature"]] * match.values[row["feature"]], 4)
            assert row["weight"] == round(raw[row["feature"]], 4)
        line = explanations.explanation_line(rows)
        for row in rows[:3]:
            if row["contribution"] > 0:
                assert f"{row['reason']} +{row['contribution']:.2f}" in line
        budget = next(row for row in rows if row["feature"] == "budget")
        if o.free:
            assert budget["code"] == "budget_free" and budget["value"] == 1.0
        if budget["code"] == "budget_over":
            assert pair_subject.budget_max is not None and (o.price_min or 0) > pair_subject.budget_max
            assert budget["params"].get("percent", 1) > 0 and "-" not in budget["reason"]
        assert next(row for row in rows if row["feature"] == "region")["code"] != "region_outside"
        uplift = next(row for row in rows if row["feature"] == "uplift")
        if raw["uplift"] == 0:  # the same for both offerings (the other one is not measured)
            assert e.uplift_value(target) == e.UPLIFT_UNKNOWN
            assert uplift["code"] == "prior_unweighted"
        elif o.uplift_levels is None:
            assert (uplift["code"], uplift["value"]) == ("uplift_unknown", e.UPLIFT_UNKNOWN)
        else:
            assert uplift["code"] == "uplift"
            assert uplift["params"] == {"levels": o.uplift_levels, "clients": o.uplift_clients}
            assert uplift["reason"] == (
                f"clients of this partner gained on average {o.uplift_levels:+.1f} levels, n={o.uplift_clients}"
            )
            # Clients who gained lift the offering above an unmeasured partner's; losses lower it.
            assert (uplift["value"] > e.UPLIFT_UNKNOWN) == (o.uplift_levels > 0)
            assert (uplift["value"] < e.UPLIFT_UNKNOWN) == (o.uplift_levels < 0)


def test_partner_uplift_credits_clients_gains_and_sits_out_when_nobody_is_measured():
    offerings = [
        offering(id="gained", uplift_levels=0.8, uplift_clients=12),
        offering(id="lost", partner_id="p2", uplift_levels=-0.5, uplift_clients=4),
        offering(id="unmeasured", partner_id="p3"),
        offering(id="far-above", partner_id="p4", uplift_levels=2.5, uplift_clients=3),
    ]
    assert value("uplift", subject(), offerings) == pytest.approx([0.9, 0.25, 0.5, 1.0])
    prepared = e.PreparedOfferings(offerings)
    weights = e.run_weights(prepared, DEFAULT_WEIGHTS)
    assert weights["uplift"] == DEFAULT_WEIGHTS["uplift"] > 0
    best = e.match(offerings, [subject()], {**ONLY, "uplift": 1.0}, top_n=4)[0]
    assert [offerings[m.offering].id for m in best] == ["far-above", "gained", "unmeasured", "lost"]
    rows = explanations.explain(subject(), offerings[0], best[1].values, weights)
    line = next(row for row in rows if row["feature"] == "uplift")
    assert line["reason"] == "clients of this partner gained on average +0.8 levels, n=12"
    assert line["contribution"] == round(0.9 * e.normalise_weights(weights)[e.FEATURES.index("uplift")], 4)
    # A new cluster: no partner has three measured clients, so uplift tells nobody apart.
    unmeasured = [offering(id="a"), offering(id="b", partner_id="p2", rating_bayes=4.0, rating_count=3)]
    assert e.run_weights(e.PreparedOfferings(unmeasured), DEFAULT_WEIGHTS)["uplift"] == 0
