"""Random but realistic eligibility rules, for generated policy libraries and benchmarks.

The shapes follow what Chinese SME support policies ask for: a size ceiling (employees,
operating revenue), an R&D intensity floor, years in business, a qualification such as
高新技术企业 or 专精特新, an industry, and sometimes a digital maturity level.
"""

import random

INDUSTRIES = [
    "C",
    "C13",
    "C14",
    "C17",
    "C18",
    "C19",
    "C21",
    "C26",
    "C27",
    "C34",
    "C35",
    "C38",
    "C39",
    "I64",
    "I65",
    "M73",
]
QUALIFICATIONS = [
    "high_tech",
    "specialized_sme",
    "tech_sme",
    "innovative_sme",
    "little_giant",
    "smart_factory",
]


def _condition(rng: random.Random, kind: str) -> dict:
    if kind == "employees_max":
        return {"fact": "employees", "op": "lte", "value": rng.choice([100, 200, 300, 500, 1000, 2000])}
    if kind == "employees_min":
        return {"fact": "employees", "op": "gte", "value": rng.choice([5, 10, 20, 50])}
    if kind == "revenue_max":
        return {"fact": "revenue", "op": "lte", "value": rng.choice([2e7, 5e7, 1e8, 2e8, 4e8, 1e9])}
    if kind == "revenue_min":
        return {"fact": "revenue", "op": "gte", "value": rng.choice([1e6, 5e6, 1e7, 2e7, 5e7])}
    if kind == "rd_ratio":
        return {"fact": "rd_ratio", "op": "gte", "value": rng.choice([0.02, 0.03, 0.04, 0.05, 0.06])}
    if kind == "rd_spend":
        return {"fact": "rd_spend", "op": "gte", "value": rng.choice([5e5, 1e6, 2e6, 5e6])}
    if kind == "age":
        return {"fact": "years_since_founding", "op": "gte", "value": rng.choice([1, 2, 3, 5])}
    if kind == "qualification":
        return {"fact": "qualifications", "op": "has", "value": rng.choice(QUALIFICATIONS)}
    if kind == "not_qualification":
        return {
            "not": {"fact": "qualifications", "op": "has", "value": rng.choice(["little_giant", "high_tech"])}
        }
    if kind == "size":
        return {
            "fact": "size_class",
            "op": "in",
            "value": rng.choice([["small", "micro"], ["medium", "small", "micro"], ["micro"]]),
        }
    if kind == "industry":
        codes = rng.sample(INDUSTRIES, rng.choice([1, 1, 2]))
        return {"fact": "industry", "op": "within", "value": codes[0] if len(codes) == 1 else codes}
    if kind == "maturity":
        return {"fact": "digital_maturity", "op": "gte", "value": rng.choice([1, 2, 3])}
    if kind == "any_qualification":
        first, second = rng.sample(QUALIFICATIONS, 2)
        return {
            "any": [
                {"fact": "qualifications", "op": "has", "value": first},
                {"fact": "qualifications", "op": "has", "value": second},
            ]
        }
    raise ValueError(kind)


KINDS = [
    ("employees_max", 5),
    ("revenue_max", 4),
    ("industry", 4),
    ("qualification", 3),
    ("rd_ratio", 3),
    ("age", 3),
    ("size", 2),
    ("maturity", 2),
    ("any_qualification", 2),
    ("employees_min", 1),
    ("revenue_min", 1),
    ("rd_spend", 1),
    ("not_qualification", 1),
]


def make_rule(rng: random.Random, *, cluster_slugs: list[str] | tuple[str, ...] = ()) -> dict:
    """A valid rule (see policies.rules.validation.validate_rule) of 1 to 5 conditions, or now and then
    the empty rule (open to every enterprise in scope). Cluster conditions appear only when
    `cluster_slugs` names existing clusters."""
    if rng.random() < 0.04:
        return {}
    kinds = [kind for kind, _weight in KINDS]
    weights = [weight for _kind, weight in KINDS]
    count = rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5])
    chosen: list[str] = []
    while len(chosen) < count:
        kind = rng.choices(kinds, weights)[0]
        if kind not in chosen:
            chosen.append(kind)
    conditions = [_condition(rng, kind) for kind in chosen]
    if cluster_slugs and rng.random() < 0.2:
        conditions.append({"fact": "cluster", "op": "member_of", "value": rng.choice(list(cluster_slugs))})
    if len(conditions) >= 3 and rng.random() < 0.15:
        # "either of these two" alternatives, as in "high-tech or R&D ratio above 5 %".
        conditions[-2:] = [{"any": conditions[-2:]}]
    return {"all": conditions}
