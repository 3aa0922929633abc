"""A generated, realistic service market for the matching benchmarks (deterministic seeds).

Service categories come in families (smart manufacturing, marketing, ...), each with its own
vocabulary; SMEs sit in the industries, districts and size classes of real clusters (Wuxi IoT,
Guangdong bags, textiles, cosmetics, jewellery, furniture). Texts mix a category's terms with
generic filler and terms of other categories, so that words alone are an imperfect signal.
"""

import random
from dataclasses import dataclass

from cluster_platform.text import content_terms
from matching import engine

FAMILIES = {
    "smart-mfg": (
        "智能制造",
        {
            "mes": ("MES实施", "MES 生产执行 排产 报工 工单 车间 追溯"),
            "equipment-iot": ("设备联网", "设备 联网 数据采集 PLC 物联网 网关 OEE"),
            "quality": ("质量管理", "质量 检测 SPC 追溯 不良率 视觉检测"),
            "plm": ("研发设计", "PLM 三维设计 仿真 CAD 图纸 BOM"),
        },
    ),
    "management": (
        "经营管理",
        {
            "erp": ("ERP实施", "ERP 财务 进销存 采购 库存 成本核算"),
            "hr": ("人力资源", "人力 考勤 薪酬 绩效 招聘 培训"),
            "diagnosis": ("转型诊断", "诊断 咨询 规划 评估 转型 路线图"),
            "finance": ("财税服务", "财税 记账 报税 发票 审计 融资"),
        },
    ),
    "marketing": (
        "营销服务",
        {
            "ecommerce": ("电商运营", "电商 店铺 运营 天猫 京东 跨境"),
            "live": ("直播带货", "直播 带货 主播 短视频 抖音 选品"),
            "crm": ("客户管理", "CRM 客户 线索 私域 会员 营销自动化"),
            "brand": ("品牌设计", "品牌 设计 包装 视觉 VI 广告"),
        },
    ),
    "infra": (
        "数字基础设施",
        {
            "cloud": ("上云服务", "上云 云主机 服务器 迁移 存储 备份"),
            "security": ("网络安全", "网络安全 等保 防火墙 漏洞 渗透 数据安全"),
            "network": ("企业网络", "组网 5G 专线 无线 机房 布线"),
            "data": ("数据分析", "数据分析 BI 报表 看板 数据治理 大屏"),
        },
    ),
    "supply": (
        "供应链",
        {
            "scm": ("供应链协同", "供应链 供应商 协同 采购 招标 订单"),
            "logistics": ("物流仓储", "物流 仓储 WMS 配送 快递 条码"),
            "testing": ("检验检测", "检测 认证 计量 实验室 标准 报告"),
            "ip": ("知识产权", "专利 商标 知识产权 申报 版权 高企"),
        },
    ),
}
FILLER = [
    "专业",
    "团队",
    "经验",
    "丰富",
    "一站式",
    "解决方案",
    "快速",
    "交付",
    "行业",
    "领先",
    "优质",
    "客户",
    "案例",
    "降本",
    "增效",
    "数字化",
    "转型",
    "升级",
]
CLUSTERS = [
    # (province, city, districts, industry classes)
    (
        "320000",
        "320200",
        ["320205", "320206", "320211", "320213", "320214", "320281", "320282"],
        ["C3981", "C3982", "C3973", "C3971", "C4011"],
    ),
    (
        "440000",
        "440100",
        ["440103", "440104", "440105", "440106", "440111", "440112", "440113", "440114"],
        ["C1922", "C1921", "C2682", "C1811", "C2110"],
    ),
    (
        "440000",
        "440300",
        ["440303", "440304", "440305", "440306", "440307", "440308"],
        ["C2438", "C3982", "C3973", "C2682"],
    ),
]
DIMENSIONS = ["foundation", "operation", "management", "outcome"]
FAMILY_DIMENSION = {
    "smart-mfg": "operation",
    "management": "management",
    "marketing": "operation",
    "infra": "foundation",
    "supply": "operation",
}
SIZES = ["micro", "small", "medium"]
BASE_PRICE = {
    "smart-mfg": 150_000,
    "management": 60_000,
    "marketing": 40_000,
    "infra": 50_000,
    "supply": 20_000,
}


def categories() -> list[tuple[str, str, str, str]]:
    """(code, parent code, name, vocabulary) for every leaf category; parents have an empty vocabulary."""
    rows = []
    for parent, (parent_name, leaves) in FAMILIES.items():
        rows.append((parent, "", parent_name, ""))
        for code, (name, words) in leaves.items():
            rows.append((code, parent, name, words))
    return rows


LEAVES = [(code, parent, name, words.split()) for code, parent, name, words in categories() if parent]
LEAF_BY_CODE = {leaf[0]: leaf for leaf in LEAVES}


@dataclass
class PartnerSpec:
    key: str
    region: str
    industry: str = "I65"


@dataclass
class OfferingSpec:
    key: str
    partner: PartnerSpec
    category: str
    parent: str
    title: str
    summary: str
    description: str
    tags: list[str]
    industries: list[str]
    size_classes: list[str]
    regions: list[str]
    delivery_mode: str
    price_min: float | None
    price_max: float | None
    maturity_levels: list[int]
    capacity: int
    rating_bayes: float
    rating_count: int


@dataclass
class SmeSpec:
    key: str
    region: str
    industry: str
    size_class: str
    maturity_level: int | None
    weakest: list[str]


@dataclass
class DemandSpec:
    key: str
    sme: SmeSpec
    categories: list[str]
    title: str
    description: str
    budget_min: float | None
    budget_max: float | None


def _text(rng: random.Random, words: list[str], k: int, noise: int) -> str:
    other = rng.choice(LEAVES)[3]
    picked = rng.sample(words, min(k, len(words))) + rng.sample(FILLER, noise) + rng.sample(other, 1)
    rng.shuffle(picked)
    return " ".join(picked)


def make_partners(rng: random.Random, n: int) -> list[PartnerSpec]:
    partners = []
    for i in range(n):
        _province, _city, districts, _classes = rng.choice(CLUSTERS)
        partners.append(PartnerSpec(key=f"P{i}", region=rng.choice(districts)))
    return partners


def make_offering(rng: random.Random, key: str, partner: PartnerSpec, leaf=None, **overrides) -> OfferingSpec:
    code, parent, name, words = leaf or rng.choice(LEAVES)
    province, city = partner.region[:2] + "0000", partner.region[:4] + "00"
    industries = []
    roll = rng.random()
    if roll < 0.6:
        cluster = next((c for c in CLUSTERS if c[1] == city), rng.choice(CLUSTERS))
        chosen = rng.choice(cluster[3])
        industries = [rng.choice([chosen, chosen[:4], chosen[:3]])]
    reach = rng.random()
    regions = [] if reach < 0.5 else [province] if reach < 0.8 else [city]
    base = BASE_PRICE[parent] * rng.lognormvariate(0, 0.5)
    spec = OfferingSpec(
        key=key,
        partner=partner,
        category=code,
        parent=parent,
        title=f"{name}{rng.choice(['服务', '解决方案', '实施', '套餐'])}",
        summary=_text(rng, words, 3, 2),
        description=_text(rng, words, 2, 6),
        tags=rng.sample(words, 2),
        industries=industries,
        size_classes=[] if rng.random() < 0.6 else rng.sample(SIZES, 2),
        regions=regions,
        delivery_mode=rng.choice(["online", "offline", "hybrid"]),
        price_min=round(base, -2),
        price_max=round(base * rng.uniform(1.2, 2.5), -2),
        maturity_levels=[] if rng.random() < 0.5 else sorted(rng.sample([1, 2, 3, 4], 2)),
        capacity=rng.randint(10, 80),
        rating_bayes=round(rng.uniform(3.0, 4.9), 2),
        rating_count=rng.randint(0, 40),
    )
    for name_, value in overrides.items():
        setattr(spec, name_, value)
    return spec


def make_sme(rng: random.Random, key: str) -> SmeSpec:
    _province, _city, districts, classes = rng.choice(CLUSTERS)
    level = rng.choice([None, 0, 1, 1, 2, 2, 3, 4])
    return SmeSpec(
        key=key,
        region=rng.choice(districts),
        industry=rng.choice(classes),
        size_class=rng.choice(SIZES),
        maturity_level=level,
        weakest=[] if level is None else rng.sample(DIMENSIONS, rng.choice([1, 2])),
    )


def make_demand(rng: random.Random, key: str, sme: SmeSpec, leaf=None) -> DemandSpec:
    code, parent, name, words = leaf or rng.choice(LEAVES)
    budget = BASE_PRICE[parent] * rng.lognormvariate(0.3, 0.5)
    return DemandSpec(
        key=key,
        sme=sme,
        categories=[code],
        title=f"寻找{name}服务商",
        description=_text(rng, words, 2, 4),
        budget_min=round(budget * 0.3, -2) if rng.random() < 0.7 else None,
        budget_max=round(budget, -2),
    )


# --- engine inputs from specs (the quality evaluation runs on these, without a database) -----


def offering_input(spec: OfferingSpec, dimensions_by_family=FAMILY_DIMENSION) -> engine.OfferingInput:
    return engine.OfferingInput(
        id=spec.key,
        partner_id=spec.partner.key,
        category=spec.category,
        category_parent=spec.parent,
        industries=tuple(spec.industries),
        size_classes=tuple(spec.size_classes),
        regions=tuple(spec.regions),
        partner_region=spec.partner.region,
        delivery_mode=spec.delivery_mode,
        price_min=spec.price_min,
        price_max=spec.price_max,
        maturity_levels=tuple(spec.maturity_levels),
        dimensions=(dimensions_by_family[spec.parent],),
        text=tuple(
            content_terms(
                " ".join([spec.title, spec.title, spec.summary, spec.description, *spec.tags, *spec.tags])
            )
        ),
        rating_bayes=spec.rating_bayes,
        rating_count=spec.rating_count,
        completed_engagements=0,
        capacity=spec.capacity,
        free_capacity=spec.capacity,
    )


def demand_input(spec: DemandSpec) -> engine.SubjectInput:
    return engine.SubjectInput(
        key=f"demand:{spec.key}",
        sme_id=spec.sme.key,
        categories=tuple(spec.categories),
        category_parents=tuple({LEAF_BY_CODE[c][1] for c in spec.categories}),
        industry_code=spec.sme.industry,
        size_class=spec.sme.size_class,
        region_code=spec.sme.region,
        budget_min=spec.budget_min,
        budget_max=spec.budget_max,
        maturity_level=spec.sme.maturity_level,
        weakest_dimensions=tuple(spec.sme.weakest),
        text=tuple(content_terms(" ".join([spec.title, spec.title, spec.description]))),
    )
