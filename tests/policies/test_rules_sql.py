"""The compiled SQL filter, and its agreement with the Python evaluator on random rules and profiles."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enterprises.models import Enterprise, Membership
from enterprises.uscc import uscc_compose
from policies.rules.catalogue import SIZE_CLASSES
from policies.rules.evaluation import compile_rule, evaluate
from policies.rules.explanation import explain
from policies.rules.profile import facts_from_profile
from policies.rules.ruleset import RuleSet
from policies.rules.sql import annotations_for, compile_filters, eligible_enterprises
from policies.rules.validation import validate_rule
from tests.cluster_platform.factories import ClusterFactory
from tests.enterprises.factories import EnterpriseFactory, MembershipFactory

TODAY = date(2026, 11, 26)
_serial = itertools.count(500_000)


def sql_ids(rule, queryset=None):
    queryset = queryset if queryset is not None else Enterprise.objects.all()
    return set(eligible_enterprises(queryset, rule, TODAY).values_list("id", flat=True))


@pytest.mark.django_db
def test_compiled_filter_finds_the_eligible_enterprises():
    small_wuxi = EnterpriseFactory(region_code="320214", employees=80, qualifications=["high_tech"])
    big_wuxi = EnterpriseFactory(region_code="320214", employees=800)
    suzhou = EnterpriseFactory(region_code="320505", employees=80)
    unknown = EnterpriseFactory(region_code="320214", employees=None)
    rule = {
        "all": [
            {"fact": "region", "op": "within", "value": "320200"},
            {"fact": "employees", "op": "lte", "value": 300},
        ]
    }
    assert sql_ids(rule) == {small_wuxi.id}
    # not(employees > 300): the NULL profile stays out, unlike Django's ~Q.
    assert sql_ids({"not": {"fact": "employees", "op": "gt", "value": 300}}) == {small_wuxi.id, suzhou.id}
    assert unknown.id not in sql_ids({"not": {"fact": "employees", "op": "gt", "value": 300}})
    assert sql_ids({"fact": "qualifications", "op": "lacks", "value": "high_tech"}) == {
        big_wuxi.id,
        suzhou.id,
        unknown.id,
    }
    assert sql_ids({}) == {small_wuxi.id, big_wuxi.id, suzhou.id, unknown.id}


@pytest.mark.django_db
def test_derived_facts_are_annotated_and_compared_exactly():
    founded = EnterpriseFactory(
        founded_on=date(2019, 11, 26), operating_revenue=30_000_000, rd_spend=1_200_000
    )
    younger = EnterpriseFactory(
        founded_on=date(2019, 11, 27), operating_revenue=30_000_000, rd_spend=1_199_999
    )
    EnterpriseFactory(founded_on=None, operating_revenue=0, rd_spend=5)
    assert sql_ids({"fact": "years_since_founding", "op": "gte", "value": 7}) == {founded.id}
    assert sql_ids({"fact": "rd_ratio", "op": "gte", "value": 0.04}) == {founded.id}
    assert sql_ids({"fact": "rd_ratio", "op": "lt", "value": 0.04}) == {younger.id}
    rule = {"fact": "years_since_founding", "op": "gte", "value": 7}
    assert set(annotations_for(rule, TODAY)) == {"eligibility_years_since_founding"}


@pytest.mark.django_db
def test_cluster_membership_conditions_use_approved_memberships():
    cluster = ClusterFactory(slug="alpha")
    member = MembershipFactory(cluster=cluster, role="sme").enterprise
    MembershipFactory(cluster=cluster, role="sme", status="pending")
    partner = MembershipFactory(cluster=cluster, role="partner", partner_tier="certified").enterprise
    assert sql_ids({"fact": "cluster", "op": "member_of", "value": "alpha"}) == {member.id, partner.id}
    assert sql_ids({"fact": "cluster", "op": "member_of", "value": "alpha", "role": "sme"}) == {member.id}


# --- Property: Python and SQL agree -------------------------------------------------------------

REGIONS = ["320214", "320205", "320505", "440104", "440306", "110105"]
RULE_REGIONS = ["320000", "320200", "320214", "440000", "440300", "110000"]
INDUSTRIES = ["C39", "C38", "C13", "I65", "M73"]
RULE_INDUSTRIES = ["C", "C39", "C38", "I", "I65"]
QUALS = ["high_tech", "specialized_sme", "little_giant"]
MONEY = [0, 1, 999_999, 1_000_000, 3_000_000, 30_000_000, 100_000_000]

numbers_for = {
    "employees": st.sampled_from([0, 1, 20, 299, 300, 301, 1000]),
    "revenue": st.sampled_from(MONEY),
    "rd_spend": st.sampled_from(MONEY),
    "rd_ratio": st.sampled_from([0, 0.01, 0.03, 0.0333, 0.05, 1]),
    "years_since_founding": st.sampled_from([0, 1, 3, 5, 7, 20]),
    "digital_maturity": st.integers(0, 4),
}


def numeric_condition(fact):
    single = st.builds(
        lambda op, value: {"fact": fact, "op": op, "value": value},
        st.sampled_from(["eq", "ne", "gt", "gte", "lt", "lte"]),
        numbers_for[fact],
    )
    between = st.lists(numbers_for[fact], min_size=2, max_size=2).map(
        lambda pair: {"fact": fact, "op": "between", "value": sorted(pair)}
    )
    return st.one_of(single, between)


conditions = st.one_of(
    *[numeric_condition(fact) for fact in numbers_for],
    st.builds(lambda v: {"fact": "region", "op": "within", "value": v}, st.sampled_from(RULE_REGIONS)),
    st.builds(
        lambda v: {"fact": "industry", "op": "within", "value": v},
        st.lists(st.sampled_from(RULE_INDUSTRIES), min_size=1, max_size=2),
    ),
    st.builds(
        lambda v: {"fact": "size_class", "op": "in", "value": v},
        st.lists(st.sampled_from(SIZE_CLASSES), min_size=1, max_size=4, unique=True),
    ),
    st.builds(
        lambda op, v: {"fact": "qualifications", "op": op, "value": v},
        st.sampled_from(["has", "lacks"]),
        st.sampled_from(QUALS),
    ),
    st.builds(
        lambda slug, role: {
            "fact": "cluster",
            "op": "member_of",
            "value": slug,
            **({"role": role} if role else {}),
        },
        st.sampled_from(["alpha", "beta"]),
        st.sampled_from([None, "sme", "partner"]),
    ),
)

rules = st.recursive(
    conditions,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda items: {"all": items}),
        st.lists(children, min_size=1, max_size=3).map(lambda items: {"any": items}),
        children.map(lambda child: {"not": child}),
    ),
    max_leaves=8,
)

# Anniversaries of the thresholds used in rules, and the days either side, where an off-by-one
# in the full-years formula would show.
ANNIVERSARY_EDGES = [
    TODAY.replace(year=TODAY.year - years) + timedelta(days=shift)
    for years in (1, 3, 5, 7, 20)
    for shift in (-1, 0, 1)
]
founding_dates = st.one_of(
    st.none(),
    st.sampled_from([*ANNIVERSARY_EDGES, TODAY, date(2000, 2, 29)]),
    st.dates(min_value=date(1990, 1, 1), max_value=TODAY),
)

profiles = st.fixed_dictionaries(
    {
        "region_code": st.sampled_from(REGIONS),
        "industry_code": st.sampled_from([*INDUSTRIES, ""]),
        "size_class": st.sampled_from([*SIZE_CLASSES, ""]),
        "qualifications": st.lists(st.sampled_from(QUALS), unique=True, max_size=3),
        "employees": st.one_of(st.none(), numbers_for["employees"], st.integers(0, 5000)),
        "operating_revenue": st.one_of(st.none(), st.sampled_from(MONEY), st.integers(0, 10**9)),
        "rd_spend": st.one_of(st.none(), st.sampled_from(MONEY), st.integers(0, 10**8)),
        "founded_on": founding_dates,
        "digital_maturity_level": st.one_of(st.none(), st.integers(0, 4)),
        "memberships": st.lists(
            st.tuples(
                st.sampled_from(["alpha", "beta"]),
                st.sampled_from(["sme", "partner"]),
                st.sampled_from(["approved", "pending"]),
            ),
            unique_by=lambda m: (m[0], m[1]),
            max_size=3,
        ),
    }
)


@pytest.mark.django_db
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(profiles, min_size=1, max_size=6), rule_batch=st.lists(rules, min_size=1, max_size=4))
def test_python_and_sql_agree_on_random_rules_and_profiles(batch, rule_batch):
    clusters = {
        slug: ClusterFactory._meta.model.objects.filter(slug=slug).first() or ClusterFactory(slug=slug)
        for slug in ("alpha", "beta")
    }
    enterprises, memberships, facts = [], [], {}
    for values in batch:
        enterprise = Enterprise(
            uscc=uscc_compose(region_code=values["region_code"], serial=next(_serial)),
            name="property",
            **{
                key: (
                    Decimal(value)
                    if key in ("operating_revenue", "rd_spend") and value is not None
                    else value
                )
                for key, value in values.items()
                if key != "memberships"
            },
        )
        enterprises.append(enterprise)
        for slug, role, status in values["memberships"]:
            memberships.append(
                Membership(
                    cluster=clusters[slug],
                    enterprise=enterprise,
                    role=role,
                    status=status,
                    partner_tier="certified" if role == "partner" else "",
                )
            )
        profile = {key: value for key, value in values.items() if key != "memberships"}
        facts[enterprise.id] = facts_from_profile(
            today=TODAY,
            **profile,
            memberships=[
                (slug, role) for slug, role, status in values["memberships"] if status == "approved"
            ],
        )
    Enterprise.objects.bulk_create(enterprises)
    Membership.objects.bulk_create(memberships)
    try:
        scope = Enterprise.objects.filter(id__in=list(facts))
        for rule in rule_batch:
            assert validate_rule(rule) == [], rule
            expected_true = {eid for eid, f in facts.items() if evaluate(rule, f) is True}
            expected_false = {eid for eid, f in facts.items() if evaluate(rule, f) is False}
            assert sql_ids(rule, scope) == expected_true, rule
            # The "definitely false" half agrees as well, so `not` composes soundly.
            annotated = scope.annotate(**annotations_for(rule, TODAY))
            assert (
                set(annotated.filter(compile_filters(rule)[1]).values_list("id", flat=True)) == expected_false
            ), rule
    finally:
        Membership.objects.filter(enterprise_id__in=list(facts)).delete()
        Enterprise.objects.filter(id__in=list(facts)).delete()


@settings(max_examples=300, deadline=None)
@given(rule_batch=st.lists(rules, min_size=1, max_size=5), batch=st.lists(profiles, min_size=1, max_size=4))
def test_batch_rule_set_agrees_with_the_evaluator(rule_batch, batch):
    """The calculator's generated functions return the same costs as the reference closures."""
    rule_set = RuleSet()
    functions = [rule_set.compile(rule) for rule in [*rule_batch, {}]]
    for values in batch:
        memberships = [(slug, role) for slug, role, status in values["memberships"] if status == "approved"]
        profile = {key: value for key, value in values.items() if key != "memberships"}
        facts = facts_from_profile(today=TODAY, **profile, memberships=memberships)
        outcomes = rule_set.outcomes(facts)
        for rule, function in zip([*rule_batch, {}], functions, strict=True):
            assert function(outcomes) == compile_rule(rule)(facts), rule


@settings(max_examples=300, deadline=None)
@given(rule=rules, values=profiles)
def test_explanations_agree_with_the_calculators_costs(rule, values):
    """The calculator sorts by (cost_true, cost_false); the explanation flips conditions one by
    one. Both must give the same status: eligible, near miss, needs facts or not eligible."""
    memberships = [(slug, role) for slug, role, status in values["memberships"] if status == "approved"]
    profile = {key: value for key, value in values.items() if key != "memberships"}
    facts = facts_from_profile(today=TODAY, **profile, memberships=memberships)
    cost_true, cost_false = compile_rule(rule)(facts)
    if cost_true == 0:
        expected = "eligible"
    elif cost_false == 0:
        expected = "near_miss" if cost_true == 1 else "not_eligible"
    else:
        expected = "needs_facts"
    assert explain(rule, facts).status == expected
