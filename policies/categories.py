"""The fixed list of policy categories and benefit types: stable codes with Chinese and English labels.

Codes are what the API and import files carry; labels are for people. The list is part of
the platform (filters and facets depend on it), so it is code, not data editable at run time.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    label_zh: str
    label_en: str


CATEGORIES: tuple[Category, ...] = (
    Category("subsidy", "资金补贴", "Financial subsidy"),
    Category("tax", "税收优惠", "Tax incentive"),
    Category("finance", "融资信贷", "Financing and credit"),
    Category("talent", "人才", "Talent"),
    Category("innovation", "科技创新", "Technology and innovation"),
    Category("digital", "数字化转型", "Digital transformation"),
    Category("market", "市场开拓", "Market expansion"),
    Category("voucher", "服务券", "Service vouchers"),
    Category("specialized", "专精特新", "Specialised and innovative SMEs"),
    Category("green", "绿色低碳", "Green and low-carbon"),
    Category("intellectual_property", "知识产权", "Intellectual property"),
    Category("quality", "质量标准品牌", "Quality, standards and brands"),
    Category("land_energy", "用地用能", "Land and energy"),
    Category("startup", "创业扶持", "Start-up support"),
    Category("employment", "稳岗就业", "Employment stabilisation"),
    Category("export", "外贸出口", "Foreign trade and export"),
)
CATEGORY_CODES = frozenset(category.code for category in CATEGORIES)
CATEGORY_BY_CODE = {category.code: category for category in CATEGORIES}
# Import files may name a category by its Chinese label as well as by its code.
CATEGORY_BY_LABEL = {category.label_zh: category.code for category in CATEGORIES}


@dataclass(frozen=True)
class BenefitType:
    code: str
    label_zh: str
    label_en: str


BENEFIT_TYPES: tuple[BenefitType, ...] = (
    BenefitType("grant", "无偿资助", "Grant"),
    BenefitType("reward", "奖励", "Reward"),
    BenefitType("subsidy", "补贴", "Subsidy"),
    BenefitType("interest_subsidy", "贴息", "Interest subsidy"),
    BenefitType("tax_relief", "税收减免", "Tax relief"),
    BenefitType("voucher", "服务券", "Service voucher"),
    BenefitType("loan", "贷款", "Loan"),
    BenefitType("guarantee", "担保", "Guarantee"),
    BenefitType("qualification", "资质认定", "Qualification"),
    BenefitType("service", "服务支持", "Service support"),
)
BENEFIT_TYPE_CODES = frozenset(benefit.code for benefit in BENEFIT_TYPES)
BENEFIT_TYPE_BY_LABEL = {benefit.label_zh: benefit.code for benefit in BENEFIT_TYPES}
