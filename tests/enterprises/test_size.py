"""Size classification per 工信部联企业〔2011〕300号, at each threshold: just below, at, above."""

from decimal import Decimal

import pytest

from enterprises.size import ASSETS, EMPLOYEES, REVENUE, RULES, classify_size, size_rule_for

WAN = 10_000

# One GB/T 4754-2017 class per group of the standard.
EXAMPLE_CODE = {
    "agriculture": "A01",
    "industry": "C3982",
    "construction": "E4710",
    "wholesale": "F51",
    "retail": "F52",
    "transport": "G54",
    "warehousing": "G59",
    "postal": "G60",
    "accommodation": "H61",
    "catering": "H62",
    "information_transmission": "I64",
    "software": "I6513",
    "real_estate_development": "K7010",
    "property_management": "K7020",
    "leasing_business_services": "L72",
    "other": "M7320",
}
ORDER = ["large", "medium", "small", "micro"]


def test_every_group_of_the_standard_has_a_rule_and_an_example():
    assert set(RULES) == set(EXAMPLE_CODE)
    assert len(RULES) == 16
    for key, code in EXAMPLE_CODE.items():
        assert size_rule_for(code).key == key


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("A05", "agriculture"),
        ("B06", "industry"),
        ("C1340", "industry"),
        ("D44", "industry"),
        ("E48", "construction"),
        ("G53", "other"),  # railways are outside the transport group
        ("G58", "transport"),
        ("G591", "transport"),  # loading and unloading
        ("G592", "warehousing"),
        ("I63", "information_transmission"),
        ("I65", "software"),
        ("K7030", "other"),
        ("L71", "leasing_business_services"),
        ("M73", "other"),
        ("O80", "other"),
    ],
)
def test_industry_codes_map_to_the_standards_groups(code, key):
    assert size_rule_for(code).key == key


@pytest.mark.parametrize("code", ["J66", "J6621", "S92", "T97"])
def test_finance_and_public_bodies_are_not_classified(code):
    assert classify_size(industry_code=code, employees=10, operating_revenue=10 * WAN) is None


def _facts(rule, position: int, nudge: dict[str, int] | None = None) -> dict:
    """Every indicator exactly at the lower bound of class `position`, nudged per indicator."""
    facts = {"employees": None, "operating_revenue": None, "total_assets": None}
    for indicator, bounds in rule.bounds.items():
        value = bounds[position] * (1 if indicator == EMPLOYEES else WAN)
        value += (nudge or {}).get(indicator, 0)
        facts[indicator] = value
    return facts


def _cases():
    for key, rule in RULES.items():
        for position in range(3):
            for indicator in rule.bounds:
                yield pytest.param(key, position, indicator, id=f"{key}-{ORDER[position]}-{indicator}")


@pytest.mark.parametrize(("key", "position", "indicator"), list(_cases()))
def test_threshold_boundaries(key, position, indicator):
    rule = RULES[key]
    code = EXAMPLE_CODE[key]
    unit = 1  # one person, or one yuan
    at = _facts(rule, position)
    below = _facts(rule, position, {indicator: -unit})
    above = _facts(rule, position, {indicator: unit})

    assert classify_size(industry_code=code, **at) == ORDER[position]
    assert classify_size(industry_code=code, **above) == ORDER[position]
    # Missing one lower bound drops the enterprise one class (or more, to where it qualifies).
    assert ORDER.index(classify_size(industry_code=code, **below)) > position


@pytest.mark.parametrize(
    ("code", "employees", "revenue_wan", "assets_wan", "expected"),
    [
        # 工业: large from 1000 people AND 40000 万元; medium 300 / 2000; small 20 / 300.
        ("C3982", 1000, 40000, None, "large"),
        ("C3982", 999, 400000, None, "medium"),
        ("C3982", 5000, 1999, None, "small"),
        ("C3982", 300, 2000, None, "medium"),
        ("C3982", 19, 100000, None, "micro"),
        ("C3982", 20, 300, None, "small"),
        ("C3982", 20, Decimal("299.99"), None, "micro"),
        # 软件和信息技术服务业: 300 / 10000; 100 / 1000; 10 / 50.
        ("I6513", 300, 10000, None, "large"),
        ("I6513", 100, 1000, None, "medium"),
        ("I6513", 10, 50, None, "small"),
        ("I6513", 9, 5000, None, "micro"),
        # 零售业: 300 / 20000; 50 / 500; 10 / 100.
        ("F5212", 50, 500, None, "medium"),
        ("F52", 10, 99, None, "micro"),
        # 农、林、牧、渔业 on revenue only: 20000; 500; 50.
        ("A01", None, 20000, None, "large"),
        ("A01", None, 49, None, "micro"),
        # 建筑业 on revenue and assets: 80000+80000; 6000+5000; 300+300.
        ("E47", 10, 80000, 80000, "large"),
        ("E47", 10, 6000, 4999, "small"),
        # 租赁和商务服务业 on employees and assets: 300 / 120000; 100 / 8000; 10 / 100.
        ("L72", 100, None, 8000, "medium"),
        ("L72", 10, None, 99, "micro"),
        # 其他未列明行业 on employees only: 300; 100; 10.
        ("M7320", 300, None, None, "large"),
        ("M7320", 99, None, None, "small"),
        ("M7320", 9, None, None, "micro"),
    ],
)
def test_examples_from_the_standard(code, employees, revenue_wan, assets_wan, expected):
    revenue = None if revenue_wan is None else Decimal(revenue_wan) * WAN
    assets = None if assets_wan is None else Decimal(assets_wan) * WAN
    assert (
        classify_size(industry_code=code, employees=employees, operating_revenue=revenue, total_assets=assets)
        == expected
    )


@pytest.mark.parametrize(
    ("code", "facts"),
    [
        ("C3982", {"employees": None, "operating_revenue": 1}),
        ("C3982", {"employees": 10, "operating_revenue": None}),
        ("E47", {"employees": 10, "operating_revenue": 10 * WAN}),  # construction needs assets
        ("L72", {"employees": 10, "operating_revenue": 10 * WAN}),
        ("", {"employees": 10, "operating_revenue": 1}),
    ],
)
def test_missing_facts_give_no_class(code, facts):
    assert classify_size(industry_code=code, **facts) is None


def test_indicators_are_the_standards():
    assert set(RULES["construction"].bounds) == {REVENUE, ASSETS}
    assert set(RULES["real_estate_development"].bounds) == {REVENUE, ASSETS}
    assert set(RULES["leasing_business_services"].bounds) == {EMPLOYEES, ASSETS}
    assert set(RULES["agriculture"].bounds) == {REVENUE}
    assert set(RULES["other"].bounds) == {EMPLOYEES}
