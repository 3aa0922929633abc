"""Enterprise size classes after MIIT's SME classification standard (工信部联企业〔2011〕300号).

The standard sorts an enterprise into large / medium / small / micro by its industry and one or two
indicators: employees (从业人员, X), operating revenue (营业收入, Y) and, for construction, real-estate
development and leasing and business services, total assets (资产总额, Z). Thresholds are stated in
units of 10,000 CNY (万元); this module takes plain CNY.

The industry groups of the standard are given in GB/T 4754-2011 terms; the mapping below applies the
National Bureau of Statistics' restatement for GB/T 4754-2017 (统计上大中小微型企业划分办法(2017)):
transport excludes railways and includes loading and unloading (G591), warehousing is G59 without
G591, and so on. The longest matching code prefix wins.

Rules of the standard that shape the algorithm:
- an enterprise is large when it reaches the upper bound of *every* indicator of its industry
  (the SME ceiling is stated as "X below ... or Y below ...");
- large, medium and small enterprises must reach the lower bounds of all listed indicators at once,
  otherwise they drop one class ("须同时满足所列指标的下限，否则下划一档").

Financial enterprises (section J) follow a separate standard (银发〔2015〕309号), and public
administration (S) and international organisations (T) are not enterprises: they get no class.
Pure functions, no ORM: the service layer stores the result on the enterprise.
"""

from dataclasses import dataclass
from decimal import Decimal

LARGE, MEDIUM, SMALL, MICRO = "large", "medium", "small", "micro"
WAN = Decimal(10_000)  # 万元 -> CNY

EMPLOYEES, REVENUE, ASSETS = "employees", "operating_revenue", "total_assets"


@dataclass(frozen=True)
class SizeRule:
    """One industry group of the standard: per indicator, the lower bound of large, medium and small.

    Employee bounds are head counts; money bounds are in 万元, as printed in the standard.
    """

    key: str
    name: str
    bounds: dict[str, tuple[int, int, int]]


RULES: dict[str, SizeRule] = {
    rule.key: rule
    for rule in (
        SizeRule("agriculture", "农、林、牧、渔业", {REVENUE: (20_000, 500, 50)}),
        SizeRule("industry", "工业", {EMPLOYEES: (1_000, 300, 20), REVENUE: (40_000, 2_000, 300)}),
        SizeRule("construction", "建筑业", {REVENUE: (80_000, 6_000, 300), ASSETS: (80_000, 5_000, 300)}),
        SizeRule("wholesale", "批发业", {EMPLOYEES: (200, 20, 5), REVENUE: (40_000, 5_000, 1_000)}),
        SizeRule("retail", "零售业", {EMPLOYEES: (300, 50, 10), REVENUE: (20_000, 500, 100)}),
        SizeRule("transport", "交通运输业", {EMPLOYEES: (1_000, 300, 20), REVENUE: (30_000, 3_000, 200)}),
        SizeRule("warehousing", "仓储业", {EMPLOYEES: (200, 100, 20), REVENUE: (30_000, 1_000, 100)}),
        SizeRule("postal", "邮政业", {EMPLOYEES: (1_000, 300, 20), REVENUE: (30_000, 2_000, 100)}),
        SizeRule("accommodation", "住宿业", {EMPLOYEES: (300, 100, 10), REVENUE: (10_000, 2_000, 100)}),
        SizeRule("catering", "餐饮业", {EMPLOYEES: (300, 100, 10), REVENUE: (10_000, 2_000, 100)}),
        SizeRule(
            "information_transmission",
            "信息传输业",
            {EMPLOYEES: (2_000, 100, 10), REVENUE: (100_000, 1_000, 100)},
        ),
        SizeRule(
            "software", "软件和信息技术服务业", {EMPLOYEES: (300, 100, 10), REVENUE: (10_000, 1_000, 50)}
        ),
        SizeRule(
            "real_estate_development",
            "房地产开发经营",
            {REVENUE: (200_000, 1_000, 100), ASSETS: (10_000, 5_000, 2_000)},
        ),
        SizeRule(
            "property_management", "物业管理", {EMPLOYEES: (1_000, 300, 100), REVENUE: (5_000, 1_000, 500)}
        ),
        SizeRule(
            "leasing_business_services",
            "租赁和商务服务业",
            {EMPLOYEES: (300, 100, 10), ASSETS: (120_000, 8_000, 100)},
        ),
        SizeRule("other", "其他未列明行业", {EMPLOYEES: (300, 100, 10)}),
    )
}

# GB/T 4754-2017 code prefix -> rule key; the longest matching prefix wins. None: not classified.
INDUSTRY_RULES: dict[str, str | None] = {
    "A": "agriculture",
    "B": "industry",
    "C": "industry",
    "D": "industry",
    "E": "construction",
    "F51": "wholesale",
    "F52": "retail",
    "G53": "other",  # railway transport is not in the standard's transport group
    "G54": "transport",
    "G55": "transport",
    "G56": "transport",
    "G57": "transport",
    "G58": "transport",
    "G591": "transport",  # loading and unloading
    "G59": "warehousing",
    "G60": "postal",
    "H61": "accommodation",
    "H62": "catering",
    "I63": "information_transmission",
    "I64": "information_transmission",
    "I65": "software",
    "J": None,
    "K7010": "real_estate_development",
    "K7020": "property_management",
    "L": "leasing_business_services",
    "S": None,
    "T": None,
}


def size_rule_for(industry_code: str) -> SizeRule | None:
    """The standard's industry group for a GB/T 4754-2017 code; None where the standard does not apply."""
    for length in range(len(industry_code), 0, -1):
        prefix = industry_code[:length]
        if prefix in INDUSTRY_RULES:
            key = INDUSTRY_RULES[prefix]
            return RULES[key] if key is not None else None
    return RULES["other"]


def classify_size(
    *,
    industry_code: str,
    employees: int | None,
    operating_revenue: Decimal | int | None,
    total_assets: Decimal | int | None = None,
) -> str | None:
    """ "large", "medium", "small" or "micro"; None when the industry is out of scope or an
    indicator its group needs is missing."""
    if not industry_code:
        return None
    rule = size_rule_for(industry_code)
    if rule is None:
        return None
    facts = {EMPLOYEES: employees, REVENUE: operating_revenue, ASSETS: total_assets}
    values = {}
    for indicator in rule.bounds:
        value = facts[indicator]
        if value is None:
            return None
        values[indicator] = Decimal(value) if indicator == EMPLOYEES else Decimal(value) / WAN
    for position, size in enumerate((LARGE, MEDIUM, SMALL)):
        if all(values[indicator] >= bounds[position] for indicator, bounds in rule.bounds.items()):
            return size
    return MICRO
