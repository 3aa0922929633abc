"""The rule language on its own: validation messages, three-valued evaluation, explanations."""

import random
from datetime import date

import pytest
from django.utils import translation

from policies.generation import make_rule
from policies.rules.catalogue import required_facts
from policies.rules.evaluation import evaluate
from policies.rules.explanation import explain
from policies.rules.profile import facts_from_profile, years_between
from policies.rules.validation import validate_rule

TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def english():
    """Explanations are asserted in English, whatever translations the catalog gains."""
    with translation.override("en"):
        yield


def profile(**overrides):
    values = {
        "region_code": "320214",
        "industry_code": "C39",
        "size_class": "small",
        "qualifications": ["high_tech"],
        "employees": 80,
        "operating_revenue": 30_000_000,
        "rd_spend": 1_200_000,
        "founded_on": date(2019, 5, 1),
        "digital_maturity_level": 2,
        "memberships": [("wuxi-iot", "sme")],
    }
    values.update(overrides)
    return facts_from_profile(today=TODAY, **values)


EXAMPLE = {
    "all": [
        {"fact": "region", "op": "within", "value": "320200"},
        {"fact": "employees", "op": "lte", "value": 300},
        {"not": {"fact": "qualifications", "op": "has", "value": "little_giant"}},
    ]
}


def test_valid_rules_have_no_errors():
    assert validate_rule({}) == []
    assert validate_rule(EXAMPLE) == []
    assert validate_rule({"fact": "rd_ratio", "op": "between", "value": [0.03, 0.5]}) == []
    assert validate_rule({"fact": "industry", "op": "within", "value": ["C39", "I65"]}) == []


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"all": [{"fact": "salary", "op": "gte", "value": 1}]}, "rule.all[0].fact: unknown fact 'salary'"),
        (
            {"fact": "employees", "op": "has", "value": 3},
            "rule.op: operator 'has' does not apply to employees",
        ),
        (
            {"fact": "region", "op": "lte", "value": "320200"},
            "rule.op: operator 'lte' does not apply to region",
        ),
        ({"fact": "employees", "op": "lte", "value": "300"}, "rule.value: must be a number."),
        ({"fact": "employees", "op": "lte", "value": True}, "rule.value: must be a number."),
        ({"fact": "employees", "op": "lte", "value": 10.5}, "rule.value: must be a whole number."),
        ({"fact": "revenue", "op": "gte", "value": -1}, "rule.value: must be at least 0."),
        ({"fact": "digital_maturity", "op": "gte", "value": 5}, "rule.value: must be at most 4."),
        (
            {"fact": "employees", "op": "between", "value": [10]},
            "rule.value: between takes a list of two numbers",
        ),
        (
            {"fact": "employees", "op": "between", "value": [50, 10]},
            "rule.value: the low bound must not exceed",
        ),
        (
            {"not": {"fact": "region", "op": "within", "value": "999999"}},
            "rule.not.value: unknown GB/T 2260 region",
        ),
        ({"fact": "industry", "op": "within", "value": "Z99"}, "rule.value: unknown GB/T 4754-2017 industry"),
        ({"fact": "size_class", "op": "in", "value": ["tiny"]}, "rule.value: unknown size class(es) tiny"),
        (
            {"fact": "qualifications", "op": "has", "value": "nobel"},
            "rule.value: unknown qualification 'nobel'",
        ),
        ({"any": []}, "rule.any: must be a non-empty list of rules."),
        ({"all": [{"not": []}]}, "rule.all[0].not: must be a JSON object."),
        ({"all": [1], "any": [1]}, "rule: a combinator node holds exactly one key"),
        ({"fact": "employees", "op": "lte"}, "rule.value: a value is required."),
        ({"fact": "employees", "op": "lte", "value": 3, "unit": "people"}, "rule: unexpected keys unit"),
        ({"foo": 1}, "rule: expected a condition (fact, op, value)"),
        ([], "rule: must be a JSON object."),
    ],
)
def test_invalid_rules_name_the_path_and_the_problem(rule, message):
    errors = validate_rule(rule)
    assert any(error.startswith(message) for error in errors), errors


def test_every_error_is_reported_not_only_the_first():
    rule = {"all": [{"fact": "x", "op": "y", "value": 1}, {"fact": "employees", "op": "lte", "value": "a"}]}
    assert len(validate_rule(rule)) == 2


@pytest.mark.django_db
def test_cluster_conditions_must_name_an_existing_cluster(cluster):
    assert validate_rule({"fact": "cluster", "op": "member_of", "value": cluster.slug, "role": "sme"}) == []
    assert validate_rule({"fact": "cluster", "op": "member_of", "value": "atlantis"}) == [
        "rule.value: unknown cluster 'atlantis'."
    ]
    assert validate_rule({"fact": "cluster", "op": "member_of", "value": cluster.slug, "role": "boss"}) == [
        "rule.role: must be one of sme, partner."
    ]


def test_generated_rules_are_valid():
    rng = random.Random(7)
    for _ in range(500):
        rule = make_rule(rng)
        assert validate_rule(rule) == [], rule


def test_empty_rule_admits_everyone():
    assert evaluate({}, profile()) is True
    assert evaluate({}, facts_from_profile(today=TODAY)) is True


def test_explanation_reports_each_condition_with_values():
    explanation = explain(EXAMPLE, profile(employees=500))
    assert explanation.outcome is False
    region, employees, little_giant = (result.as_dict() for result in explanation.conditions)
    assert region["outcome"] == "met" and region["actual"] == "320214"
    assert employees == {
        "path": "rule.all[1]",
        "fact": "employees",
        "op": "lte",
        "required": 300,
        "actual": 500,
        "outcome": "not_met",
        "negated": False,
        "text": "employees ≤ 300: not met (profile: 500)",
    }
    assert little_giant["negated"] is True and little_giant["outcome"] == "not_met"
    assert explanation.status == "near_miss"
    assert [result.path for result in explanation.near_miss] == ["rule.all[1]"]


def test_unknown_facts_follow_three_valued_logic():
    facts = profile(employees=None)
    lte = {"fact": "employees", "op": "lte", "value": 300}
    assert evaluate(lte, facts) is None
    assert evaluate({"not": lte}, facts) is None
    # false wins in all, true wins in any
    assert evaluate({"all": [lte, {"fact": "region", "op": "within", "value": "440000"}]}, facts) is False
    assert evaluate({"any": [lte, {"fact": "region", "op": "within", "value": "320000"}]}, facts) is True
    assert evaluate({"all": [lte, {"fact": "region", "op": "within", "value": "320000"}]}, facts) is None
    explanation = explain({"all": [lte]}, facts)
    assert explanation.status == "needs_facts" and explanation.missing_facts == ["employees"]
    assert explanation.conditions[0].outcome == "unknown"


def test_rd_ratio_is_unknown_without_revenue_and_exact_at_the_boundary():
    rule = {"fact": "rd_ratio", "op": "gte", "value": 0.04}
    assert evaluate(rule, profile(rd_spend=1_200_000, operating_revenue=30_000_000)) is True  # exactly 4 %
    assert evaluate(rule, profile(rd_spend=1_199_999, operating_revenue=30_000_000)) is False
    assert evaluate(rule, profile(operating_revenue=None)) is None
    assert evaluate(rule, profile(operating_revenue=0)) is None
    assert explain(rule, profile(operating_revenue=None)).missing_facts == ["revenue"]
    assert explain(rule, profile()).conditions[0].actual == 0.04


def test_years_since_founding_counts_full_years():
    assert years_between(date(2019, 11, 26), TODAY) == 7
    assert years_between(date(2019, 11, 27), TODAY) == 6
    assert years_between(date(2024, 2, 29), date(2026, 2, 28)) == 1
    assert evaluate(
        {"fact": "years_since_founding", "op": "gte", "value": 7}, profile(founded_on=date(2019, 11, 26))
    )


def test_region_within_uses_the_administrative_hierarchy():
    facts = profile(region_code="320214")
    assert evaluate({"fact": "region", "op": "within", "value": "320000"}, facts) is True
    assert evaluate({"fact": "region", "op": "within", "value": "320200"}, facts) is True
    assert evaluate({"fact": "region", "op": "within", "value": "320214"}, facts) is True
    assert evaluate({"fact": "region", "op": "within", "value": "320500"}, facts) is False
    assert evaluate({"fact": "region", "op": "within", "value": ["440000", "320200"]}, facts) is True


def test_industry_qualifications_size_and_cluster_conditions():
    facts = profile(industry_code="C39", qualifications=["high_tech"])
    assert evaluate({"fact": "industry", "op": "within", "value": "C"}, facts) is True
    assert evaluate({"fact": "industry", "op": "within", "value": "C38"}, facts) is False
    assert evaluate({"fact": "qualifications", "op": "lacks", "value": "little_giant"}, facts) is True
    assert evaluate({"fact": "size_class", "op": "in", "value": ["medium"]}, facts) is False
    assert evaluate({"fact": "cluster", "op": "member_of", "value": "wuxi-iot", "role": "sme"}, facts) is True
    assert (
        evaluate({"fact": "cluster", "op": "member_of", "value": "wuxi-iot", "role": "partner"}, facts)
        is False
    )
    assert (
        evaluate({"fact": "qualifications", "op": "has", "value": "high_tech"}, profile(qualifications=None))
        is None
    )


def test_cluster_membership_outside_the_visible_cluster_is_unknown():
    facts = profile(memberships=[("wuxi-iot", "sme"), ("gd-bags", "sme")], visible_clusters=["wuxi-iot"])
    assert evaluate({"fact": "cluster", "op": "member_of", "value": "gd-bags"}, facts) is None
    explanation = explain({"fact": "cluster", "op": "member_of", "value": "wuxi-iot"}, facts)
    assert explanation.outcome is True and explanation.conditions[0].actual == ["wuxi-iot"]


def test_near_miss_in_nested_rules():
    facts = profile(employees=500, digital_maturity_level=1)
    # Two unmet conditions in an `all`: not a near miss.
    two = {
        "all": [
            {"fact": "employees", "op": "lte", "value": 300},
            {"fact": "digital_maturity", "op": "gte", "value": 2},
        ]
    }
    assert explain(two, facts).status == "not_eligible"
    # Either alternative of an `any` alone would do: both are listed.
    either = {"all": [{"fact": "region", "op": "within", "value": "320000"}, {"any": two["all"]}]}
    explanation = explain(either, facts)
    assert explanation.status == "near_miss"
    assert [result.fact for result in explanation.near_miss] == ["employees", "digital_maturity"]
    # Under `not`, the fix is for the condition to stop holding.
    negated = {"not": {"fact": "qualifications", "op": "has", "value": "high_tech"}}
    explanation = explain(negated, facts)
    assert explanation.status == "near_miss" and explanation.near_miss[0].negated is True
    # An unknown fact elsewhere in an `all` keeps it from being a near miss: fixing one is not enough.
    unknown = {"all": [two["all"][0], {"fact": "rd_spend", "op": "gte", "value": 1}]}
    assert explain(unknown, profile(employees=500, rd_spend=None)).status == "not_eligible"


def test_required_facts_lists_the_profile_fields_read():
    rule = {
        "all": [
            {"fact": "rd_ratio", "op": "gte", "value": 0.03},
            {"not": {"fact": "employees", "op": "gt", "value": 9}},
        ]
    }
    assert required_facts(rule) == {"rd_spend", "revenue", "employees"}
