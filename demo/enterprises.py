"""Demo data: the member enterprises (SMEs) and ecosystem partners of the demo clusters.

Wuxi's IoT cluster gets ~60 SMEs and ~30 partners; Guangdong's six cluster platforms share ~50
partners (the real figure) and have 25-40 SMEs each. Every enterprise has a valid 统一社会信用代码,
a current GB/T 2260 region inside its cluster's city, a GB/T 4754-2017 industry division,
and employees, revenue, R&D spend, founding date and qualifications that fit its size.
Each has an owner account (`sme-007@wuxi-iot.demo`, `partner-012@gd-food.demo`, ...);
a few are easy to remember for the walkthrough:

    sme@wuxi-iot.demo        owner of an approved SME in wuxi-iot
    partner@wuxi-iot.demo    owner of a strategic partner in wuxi-iot
    applicant@wuxi-iot.demo  owner of an SME whose wuxi-iot membership is pending
    sme@gd-bags.demo         owner of an approved SME in gd-bags
    partner@gd-furniture.demo owner of a partner of gd-furniture and gd-textiles

Everything is drawn from `random.Random` with fixed seeds, so every run produces the same rows.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import transaction

from cluster_platform.models import Cluster, StaffRole, User
from demo.clusters import demo_users, staff_email, sync_rows
from enterprises.models import (
    Assessment,
    Enterprise,
    EnterpriseRole,
    EnterpriseUser,
    Membership,
    MembershipRole,
    MembershipStatus,
    PartnerTier,
    Qualification,
    SizeClass,
)
from enterprises.size import classify_size
from enterprises.uscc import uscc_compose

SME, PARTNER = MembershipRole.SME, MembershipRole.PARTNER


@dataclass(frozen=True)
class Sector:
    industry: str  # GB/T 4754-2017 division
    words: tuple[str, ...]  # what the company name says it does, e.g. "微电子科技"
    offers: tuple[str, ...]  # products (manufacturers) or services (partners)
    manufacturing: bool = True


@dataclass(frozen=True)
class Profile:
    city: str  # the city name that starts a company name
    sme_regions: tuple[tuple[str, int], ...]  # (GB/T 2260 code, weight)
    partner_regions: tuple[tuple[str, int], ...]
    sme_count: int
    partner_count: int
    sme_sectors: tuple[tuple[Sector, int], ...]
    partner_sectors: tuple[tuple[Sector, int], ...]
    tech: bool  # a high-tech cluster: more R&D, more qualifications


_DIGITAL = Sector(
    "I65",
    ("数字科技", "信息技术", "软件科技", "智能科技"),
    ("ERP与MES系统实施", "工业互联网平台", "数字化诊断与改造方案", "云计算与数据中台"),
    manufacturing=False,
)
_ECOMMERCE = Sector(
    "I64",
    ("网络科技", "电子商务"),
    ("直播电商与跨境电商运营", "线上渠道数字化营销"),
    manufacturing=False,
)
_TESTING = Sector(
    "M74", ("检测技术", "检验认证"), ("产品检测认证", "计量校准与质量检测"), manufacturing=False
)
_CONSULTING = Sector(
    "L72", ("企业管理咨询", "咨询服务"), ("数字化转型咨询", "精益管理与质量体系咨询"), manufacturing=False
)
_EQUIPMENT = Sector(
    "C35", ("智能装备", "自动化设备"), ("柔性生产线改造", "工业机器人集成", "智能仓储物流系统")
)
_TECH_SERVICE = Sector(
    "M75",
    ("科技服务", "技术转移"),
    ("科技成果转化与知识产权服务", "高企认定与科技项目申报辅导"),
    manufacturing=False,
)

PROFILES: dict[str, Profile] = {
    "wuxi-iot": Profile(
        city="无锡",
        sme_regions=(
            ("320214", 50),
            ("320211", 14),
            ("320206", 10),
            ("320205", 8),
            ("320213", 8),
            ("320281", 5),
            ("320282", 5),
        ),
        partner_regions=(("320214", 60), ("320211", 20), ("320213", 20)),
        sme_count=60,
        partner_count=30,
        sme_sectors=(
            (
                Sector(
                    "C39",
                    ("微电子科技", "传感技术", "半导体科技", "电子科技", "物联网科技"),
                    (
                        "MEMS压力传感器",
                        "惯性传感器",
                        "物联网通信模组",
                        "RFID电子标签",
                        "功率半导体器件",
                        "智能网关",
                    ),
                ),
                40,
            ),
            (Sector("C40", ("仪器仪表", "测控技术"), ("智能水表", "环境监测仪器", "工业测控设备")), 15),
            (Sector("C38", ("电气科技", "新能源科技"), ("智能配电设备", "储能管理系统")), 10),
            (
                Sector(
                    "C35", ("智能装备", "自动化科技"), ("半导体封装测试设备", "自动化检测设备", "SMT贴装设备")
                ),
                15,
            ),
            (
                Sector(
                    "I65",
                    ("软件科技", "信息技术", "数据科技"),
                    ("工业物联网平台软件", "嵌入式软件", "车联网系统"),
                    manufacturing=False,
                ),
                20,
            ),
        ),
        partner_sectors=(
            (_DIGITAL, 35),
            (_TESTING, 15),
            (_TECH_SERVICE, 15),
            (
                Sector(
                    "M73",
                    ("微纳技术研究院", "集成电路研究院"),
                    ("MEMS工艺开发与流片", "芯片设计仿真与测试"),
                    manufacturing=False,
                ),
                15,
            ),
            (_CONSULTING, 10),
            (_ECOMMERCE, 10),
        ),
        tech=True,
    ),
    "gd-bags": Profile(
        city="广州",
        sme_regions=(("440114", 80), ("440111", 10), ("440113", 10)),
        partner_regions=(("440106", 40), ("440114", 40), ("440111", 20)),
        sme_count=35,
        partner_count=9,
        sme_sectors=(
            (
                Sector("C19", ("皮具", "皮革制品", "箱包"), ("真皮手袋", "商务背包", "钱包皮带", "皮革箱包")),
                70,
            ),
            (Sector("C29", ("箱包", "塑胶制品"), ("PC拉杆箱", "箱包塑胶配件")), 15),
            (Sector("C33", ("五金制品", "五金配件"), ("箱包五金配件", "拉链与锁扣")), 15),
        ),
        partner_sectors=((_DIGITAL, 40), (_ECOMMERCE, 30), (_EQUIPMENT, 15), (_CONSULTING, 15)),
        tech=False,
    ),
    "gd-textiles": Profile(
        city="佛山",
        sme_regions=(("440605", 70), ("440604", 15), ("440607", 10), ("440606", 5)),
        partner_regions=(("440605", 60), ("440604", 40)),
        sme_count=40,
        partner_count=8,
        sme_sectors=(
            (Sector("C17", ("纺织", "织造", "印染"), ("牛仔面料", "棉纺纱线", "针织面料", "色织布")), 50),
            (Sector("C18", ("服饰", "服装", "制衣"), ("休闲服装", "童装", "牛仔服装", "运动服饰")), 50),
        ),
        partner_sectors=((_DIGITAL, 45), (_EQUIPMENT, 25), (_TESTING, 15), (_CONSULTING, 15)),
        tech=False,
    ),
    "gd-cosmetics": Profile(
        city="广州",
        sme_regions=(("440111", 70), ("440114", 15), ("440113", 10), ("440112", 5)),
        partner_regions=(("440106", 50), ("440111", 30), ("440105", 20)),
        sme_count=35,
        partner_count=8,
        sme_sectors=(
            (
                Sector("C26", ("化妆品", "生物科技", "日用化工"), ("护肤品代工", "彩妆", "洗护用品", "香水")),
                75,
            ),
            (Sector("C29", ("包装材料", "塑胶包装"), ("化妆品包材", "真空瓶与软管")), 15),
            (Sector("C22", ("纸品包装", "印刷包装"), ("彩盒包装", "化妆品礼盒")), 10),
        ),
        partner_sectors=((_DIGITAL, 40), (_TESTING, 25), (_ECOMMERCE, 25), (_CONSULTING, 10)),
        tech=False,
    ),
    "gd-jewellery": Profile(
        city="深圳",
        sme_regions=(("440303", 70), ("440306", 10), ("440307", 10), ("440304", 10)),
        partner_regions=(("440305", 40), ("440303", 40), ("440304", 20)),
        sme_count=30,
        partner_count=8,
        sme_sectors=(
            (
                Sector(
                    "C24",
                    ("珠宝首饰", "黄金珠宝", "首饰"),
                    ("黄金首饰", "钻石镶嵌首饰", "铂金饰品", "K金饰品"),
                ),
                80,
            ),
            (Sector("F51", ("珠宝贸易", "珠宝"), ("珠宝批发", "翡翠饰品批发"), manufacturing=False), 20),
        ),
        partner_sectors=((_DIGITAL, 40), (_TESTING, 25), (_ECOMMERCE, 25), (_EQUIPMENT, 10)),
        tech=False,
    ),
    "gd-food": Profile(
        city="潮州",
        sme_regions=(("445103", 60), ("445102", 25), ("445122", 15)),
        partner_regions=(("445102", 60), ("445103", 40)),
        sme_count=25,
        partner_count=8,
        sme_sectors=(
            (Sector("C14", ("食品", "食品科技"), ("凉果蜜饯", "休闲食品", "潮式糕点", "调味品")), 50),
            (Sector("C13", ("农产品", "食品加工"), ("橄榄菜", "腌制蔬菜", "冷冻肉制品")), 25),
            (Sector("C15", ("茶业", "饮料"), ("凤凰单丛茶", "植物蛋白饮料", "凉茶饮料")), 25),
        ),
        partner_sectors=((_DIGITAL, 35), (_TESTING, 25), (_ECOMMERCE, 25), (_CONSULTING, 15)),
        tech=False,
    ),
    "gd-furniture": Profile(
        city="佛山",
        sme_regions=(("440606", 80), ("440605", 10), ("440604", 10)),
        partner_regions=(("440606", 60), ("440604", 40)),
        sme_count=40,
        partner_count=9,
        sme_sectors=(
            (Sector("C21", ("家具", "家居"), ("全屋定制家具", "实木家具", "软体沙发", "办公家具")), 70),
            (Sector("C20", ("木业", "板材"), ("人造板", "实木复合板")), 15),
            (Sector("C33", ("五金制品", "家具五金"), ("家具五金铰链", "滑轨与拉手")), 15),
        ),
        partner_sectors=((_DIGITAL, 45), (_EQUIPMENT, 35), (_CONSULTING, 10), (_ECOMMERCE, 10)),
        tech=False,
    ),
}

BRANDS = [
    "芯感",
    "华微",
    "鼎辰",
    "恒远",
    "博瑞",
    "联创",
    "智联",
    "普华",
    "瑞科",
    "中晟",
    "汇通",
    "星河",
    "宏图",
    "凯德",
    "安捷",
    "明阳",
    "天昊",
    "金诺",
    "顺达",
    "精诚",
    "永利",
    "德胜",
    "海纳",
    "卓越",
    "新锐",
    "泰和",
    "嘉华",
    "力拓",
    "同创",
    "远航",
    "佳美",
    "锦程",
    "华盛",
    "昌隆",
    "润丰",
    "信达",
    "长青",
    "富源",
    "宝丰",
    "旭日",
    "荣盛",
    "隆基",
    "威尔",
    "欧瑞",
    "科迈",
    "英诺",
    "奥特",
    "赛维",
    "美琪",
    "雅诗",
    "丽源",
    "睿思",
    "恒晟",
    "聚能",
    "华信",
    "万通",
    "东方",
    "宏达",
    "金鹰",
    "银河",
    "康宁",
    "万和",
    "鸿运",
    "盛世",
    "广利",
    "启航",
    "中天",
    "博源",
    "伟业",
    "立信",
    "新纪",
    "艾力",
    "诺德",
    "凯瑞",
    "思源",
    "通达",
    "恒信",
    "骏丰",
    "云帆",
    "弘毅",
    "和泰",
    "致远",
    "嘉禾",
    "鑫源",
    "润泽",
    "丰华",
    "昊天",
    "志成",
    "景泰",
    "祥瑞",
    "德力",
    "优派",
    "迅捷",
    "凌云",
    "兆丰",
    "锦华",
    "天翼",
    "盈科",
    "众诚",
    "全兴",
    "汇智",
    "博雅",
    "百川",
    "华丰",
    "宜家",
    "尚品",
    "金鼎",
    "海川",
    "鼎盛",
    "明德",
    "君和",
    "创维",
    "格林",
]
SURNAMES_EAST = [
    "王",
    "张",
    "钱",
    "周",
    "吴",
    "顾",
    "陆",
    "朱",
    "沈",
    "徐",
    "华",
    "蒋",
    "孙",
    "李",
    "陈",
    "杨",
    "许",
    "秦",
    "薛",
    "邹",
]
SURNAMES_SOUTH = [
    "陈",
    "黄",
    "李",
    "梁",
    "林",
    "何",
    "罗",
    "郑",
    "谢",
    "吴",
    "冯",
    "邓",
    "曾",
    "潘",
    "蔡",
    "刘",
    "张",
    "杨",
    "卢",
    "苏",
]
GIVEN = [
    "建华",
    "志强",
    "丽娟",
    "海燕",
    "晓东",
    "国平",
    "文杰",
    "秀英",
    "伟",
    "静",
    "敏",
    "磊",
    "俊",
    "婷",
    "浩然",
    "子轩",
    "雨涵",
    "思远",
    "明辉",
    "晓峰",
    "家豪",
    "嘉欣",
    "永康",
    "少华",
    "伟明",
    "玉兰",
    "振宇",
    "佳琪",
    "宏伟",
    "凤英",
]

# The few accounts the README's walkthrough uses, by (cluster, role, index among that cluster's role).
MEMORABLE = {
    ("wuxi-iot", SME, 0): ("sme@wuxi-iot.demo", "无锡芯感微电子科技有限公司", "C39", SizeClass.SMALL),
    ("wuxi-iot", PARTNER, 0): (
        "partner@wuxi-iot.demo",
        "无锡物联云数字科技有限公司",
        "I65",
        SizeClass.MEDIUM,
    ),
    ("wuxi-iot", SME, 1): ("applicant@wuxi-iot.demo", "无锡恒晟智能传感技术有限公司", "C39", SizeClass.SMALL),
    ("gd-bags", SME, 0): ("sme@gd-bags.demo", "广州狮岭博瑞皮具有限公司", "C19", SizeClass.SMALL),
    ("gd-furniture", PARTNER, 0): (
        "partner@gd-furniture.demo",
        "佛山顺德云帆数字科技有限公司",
        "I65",
        SizeClass.MEDIUM,
    ),
}
WALKTHROUGH_PENDING = ("wuxi-iot", SME, 1)  # the application the agency admin approves in the README
DECIDED_FROM = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


@dataclass
class Planned:
    """One demo enterprise before it is written: its row, its owner and its memberships."""

    home: str
    role: str
    index: int
    enterprise: dict
    owner_email: str
    owner_name: str
    memberships: list[tuple[str, str, str, str]]  # (cluster, role, status, partner_tier)


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _size_class(industry_code: str, employees: int, revenue_yuan: int) -> str:
    """The size class the platform's classifier (`enterprises.size`, MIIT's thresholds per industry)
    gives these figures; where it gives no class (an industry whose rule also needs total assets),
    the industrial thresholds below, so that class and figures agree."""
    size = classify_size(industry_code=industry_code, employees=employees, operating_revenue=revenue_yuan)
    return size or industrial_size_class(employees, revenue_yuan)


def industrial_size_class(employees: int, revenue_yuan: int) -> str:
    """MIIT's thresholds for industry (工信部联企业〔2011〕300号, 工业), the fallback of `_size_class`."""
    if employees >= 1000 and revenue_yuan >= 400_000_000:
        return SizeClass.LARGE
    if employees >= 300 and revenue_yuan >= 20_000_000:
        return SizeClass.MEDIUM
    if employees >= 20 and revenue_yuan >= 3_000_000:
        return SizeClass.SMALL
    return SizeClass.MICRO


# Divisions whose firms spend heavily on R&D: electronics, instruments, equipment, software,
# internet, research, testing and technology services.
RESEARCH_DIVISIONS = {"C39", "C40", "C35", "I65", "I64", "M73", "M74", "M75"}
# Digital maturity levels (None: not assessed yet), by size: larger firms are further along.
_MATURITY_WEIGHTS = {
    SizeClass.MICRO: ((None, 15), (1, 50), (2, 30), (3, 5)),
    SizeClass.SMALL: ((None, 10), (1, 30), (2, 40), (3, 17), (4, 3)),
    SizeClass.MEDIUM: ((None, 5), (1, 10), (2, 35), (3, 35), (4, 15)),
    SizeClass.LARGE: ((None, 5), (1, 5), (2, 25), (3, 40), (4, 25)),
}

_SIZE_RANGES = {
    # employees, revenue in 万元 (10,000 CNY), founding years
    SizeClass.MICRO: ((5, 19), (60, 290), (2016, 2023)),
    SizeClass.SMALL: ((20, 290), (300, 1_900), (2008, 2021)),
    SizeClass.MEDIUM: ((300, 950), (2_000, 39_000), (1998, 2016)),
    SizeClass.LARGE: ((1_000, 4_000), (40_000, 300_000), (1992, 2008)),
}


def _figures(rng: random.Random, *, size: str, sector: Sector, tech: bool) -> dict:
    (e_lo, e_hi), (r_lo, r_hi), (y_lo, y_hi) = _SIZE_RANGES[size]
    employees = rng.randint(e_lo, e_hi)
    revenue = rng.randint(r_lo, r_hi) * 10_000
    research_heavy = sector.industry in RESEARCH_DIVISIONS or (tech and sector.manufacturing)
    rd_ratio = rng.uniform(0.03, 0.12) if research_heavy else rng.uniform(0.005, 0.04)
    rd_spend = round(revenue * rd_ratio / 1_000) * 1_000
    founded = date(rng.randint(y_lo, y_hi), rng.randint(1, 12), rng.randint(1, 28))
    qualifications = set()
    if rd_ratio >= 0.03 and employees >= 10 and rng.random() < (0.75 if tech else 0.4):
        qualifications.add(Qualification.HIGH_TECH)
    if size != SizeClass.LARGE and research_heavy and rng.random() < 0.5:
        qualifications.add(Qualification.TECH_SME)
    if size in (SizeClass.SMALL, SizeClass.MEDIUM):
        if rng.random() < 0.35:
            qualifications.add(Qualification.INNOVATIVE_SME)
        if rng.random() < (0.3 if tech else 0.15):
            qualifications.add(Qualification.SPECIALIZED_SME)
            if size == SizeClass.MEDIUM and rng.random() < 0.4:
                qualifications.add(Qualification.LITTLE_GIANT)
    if size in (SizeClass.MEDIUM, SizeClass.LARGE):
        if sector.manufacturing and rng.random() < 0.35:
            qualifications.add(Qualification.SMART_FACTORY)
        if (research_heavy or sector.manufacturing) and rng.random() < 0.25:
            qualifications.add(Qualification.ENGINEERING_CENTER)
    if size == SizeClass.LARGE and sector.manufacturing and rng.random() < 0.3:
        qualifications.add(Qualification.SINGLE_CHAMPION)
    return {
        "employees": employees,
        "operating_revenue": Decimal(revenue).quantize(Decimal("0.01")),
        "rd_spend": Decimal(rd_spend).quantize(Decimal("0.01")),
        "founded_on": founded,
        "qualifications": [q.value for q in Qualification if q in qualifications],
        "size_class": _size_class(sector.industry, employees, revenue),
    }


class _Names:
    """Unique company names across the whole demo, from a city, a brand and what the company does."""

    def __init__(self):
        self.used: set[str] = set()

    def reserve(self, name: str) -> str:
        self.used.add(name)
        return name

    def make(self, rng: random.Random, *, city: str, sector: Sector, large: bool) -> str:
        while True:
            suffix = "股份有限公司" if large and rng.random() < 0.6 else "有限公司"
            prefix = "广东" if large and city != "无锡" and rng.random() < 0.5 else city
            name = f"{prefix}{rng.choice(BRANDS)}{rng.choice(sector.words)}{suffix}"
            if name not in self.used:
                return self.reserve(name)


def _person(rng: random.Random, south: bool) -> str:
    return rng.choice(SURNAMES_SOUTH if south else SURNAMES_EAST) + rng.choice(GIVEN)


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"


def plan() -> list[Planned]:
    """Every demo enterprise with its owner and memberships, computed without the database."""
    names = _Names()
    for _email, name, _industry, _size in MEMORABLE.values():
        names.reserve(name)
    usccs: set[str] = set()
    planned: list[Planned] = []
    for cluster_number, (slug, profile) in enumerate(PROFILES.items()):
        rng = random.Random(f"cluster-platform-demo:{slug}")
        south = slug != "wuxi-iot"
        for role, count, regions, sectors, size_weights in (
            (SME, profile.sme_count, profile.sme_regions, profile.sme_sectors, (20, 50, 27, 3)),
            (
                PARTNER,
                profile.partner_count,
                profile.partner_regions,
                profile.partner_sectors,
                (0, 40, 45, 15),
            ),
        ):
            for index in range(count):
                sector = _weighted(rng, sectors)
                size = _weighted(rng, zip(list(SizeClass)[::-1], size_weights, strict=True))
                region = _weighted(rng, regions)
                memorable = MEMORABLE.get((slug, role, index))
                if memorable:
                    email, name, industry, size = memorable
                    region = regions[0][0]  # the cluster's core district, which the name mentions
                    sector = next(sector for sector, _weight in sectors if sector.industry == industry)
                while True:
                    serial = cluster_number * 10**7 + rng.randint(1, 10**7 - 1)
                    uscc = uscc_compose(region_code=region, serial=serial)
                    if uscc not in usccs:
                        usccs.add(uscc)
                        break
                if not memorable:
                    email = f"{role}-{index + 1:03d}@{slug}.demo"
                    name = names.make(rng, city=profile.city, sector=sector, large=size == SizeClass.LARGE)
                contact = _person(rng, south)
                offer = rng.choice(sector.offers)
                if role == PARTNER:
                    description = f"集群生态合作伙伴，为企业提供{offer}等服务。"
                elif sector.manufacturing:
                    description = f"主营{offer}的研发、生产和销售。"
                else:
                    description = f"主营{offer}。"
                enterprise = {
                    "uscc": uscc,
                    "name": name,
                    "region_code": region,
                    "industry_code": sector.industry,
                    "description": description,
                    "contact_name": contact,
                    "contact_phone": _mobile(rng),
                    "contact_email": email,
                    **_figures(rng, size=size, sector=sector, tech=profile.tech),
                }
                if role == SME:
                    enterprise["digital_maturity_level"] = _weighted(rng, _MATURITY_WEIGHTS[size])
                status = _weighted(
                    rng,
                    (
                        (MembershipStatus.APPROVED, 86),
                        (MembershipStatus.PENDING, 8),
                        (MembershipStatus.REJECTED, 3),
                        (MembershipStatus.SUSPENDED, 3),
                    ),
                )
                tier = ""
                if role == PARTNER:
                    tier = _weighted(
                        rng,
                        (
                            (PartnerTier.REGISTERED, 50),
                            (PartnerTier.CERTIFIED, 35),
                            (PartnerTier.STRATEGIC, 15),
                        ),
                    )
                if memorable:
                    status = MembershipStatus.APPROVED
                    tier = PartnerTier.STRATEGIC if role == PARTNER else ""
                if (slug, role, index) == WALKTHROUGH_PENDING:
                    status = MembershipStatus.PENDING
                planned.append(
                    Planned(slug, role, index, enterprise, email, contact, [(slug, role, status, tier)])
                )
    _add_second_memberships(planned)
    return planned


def _add_second_memberships(planned: list[Planned]) -> None:
    """Enterprises that belong to two clusters, as in the real clusters: apparel makers that also
    make bags, providers serving several Guangdong clusters, a Wuxi software house serving
    Guangdong's furniture makers, and a Wuxi sensor maker that is also a partner at home."""
    by_key = {(p.home, p.role, p.index): p for p in planned}
    rng = random.Random("cluster-platform-demo:second-memberships")
    gd_slugs = [slug for slug in PROFILES if slug != "wuxi-iot"]

    for index in (3, 7, 11):  # apparel makers also in the bags cluster
        by_key[("gd-textiles", SME, index)].memberships.append(
            ("gd-bags", SME, MembershipStatus.APPROVED, "")
        )
    by_key[("gd-furniture", PARTNER, 0)].memberships.append(
        ("gd-textiles", PARTNER, MembershipStatus.APPROVED, PartnerTier.CERTIFIED)
    )
    for slug in gd_slugs:  # one more provider of each Guangdong cluster also serves the next one
        other = gd_slugs[(gd_slugs.index(slug) + 1) % len(gd_slugs)]
        tier = _weighted(rng, ((PartnerTier.REGISTERED, 60), (PartnerTier.CERTIFIED, 40)))
        by_key[(slug, PARTNER, 1)].memberships.append((other, PARTNER, MembershipStatus.APPROVED, tier))
    software_house = next(
        p
        for p in planned
        if p.home == "wuxi-iot"
        and p.role == PARTNER
        and p.index > 0
        and p.enterprise["industry_code"] == "I65"
    )
    software_house.memberships.append(
        ("gd-furniture", PARTNER, MembershipStatus.PENDING, PartnerTier.REGISTERED)
    )
    by_key[("wuxi-iot", SME, 0)].memberships.append(
        ("wuxi-iot", PARTNER, MembershipStatus.APPROVED, PartnerTier.CERTIFIED)
    )


def accounts() -> list[tuple[str, str, str]]:
    roles = {SME: "SME owner", PARTNER: "partner owner"}
    listed = []
    for (slug, role, index), (email, _name, _industry, _size) in MEMORABLE.items():
        label = "SME owner, membership pending" if (slug, role, index) == WALKTHROUGH_PENDING else roles[role]
        listed.append((email, label, slug))
    return listed


@transaction.atomic
def seed(*, stdout) -> None:
    planned = plan()
    clusters = {c.slug: c for c in Cluster.objects.filter(slug__in=PROFILES)}
    admins = {
        u.email: u
        for u in User.objects.filter(email__in=[staff_email(slug, StaffRole.ADMIN) for slug in PROFILES])
    }
    # An assessment sets its enterprise's maturity level (demo.matching submits some): the planned
    # level would undo it on every re-run, so an assessed enterprise keeps the level it earned.
    assessed = set(Assessment.objects.values_list("enterprise__uscc", flat=True))
    rows = [
        {k: v for k, v in p.enterprise.items() if k != "digital_maturity_level"}
        if p.enterprise["uscc"] in assessed
        else p.enterprise
        for p in planned
    ]
    enterprises = {key[0]: obj for key, obj in sync_rows(Enterprise, ["uscc"], rows).items()}
    owners = demo_users((p.owner_email, p.owner_name) for p in planned)
    sync_rows(
        EnterpriseUser,
        ["enterprise", "user"],
        [
            {
                "enterprise": enterprises[p.enterprise["uscc"]],
                "user": owners[p.owner_email],
                "role": EnterpriseRole.OWNER,
            }
            for p in planned
        ],
    )

    rng = random.Random("cluster-platform-demo:decisions")
    rows, verified = [], {}
    for p in planned:
        enterprise = enterprises[p.enterprise["uscc"]]
        for slug, role, status, tier in p.memberships:
            admin = admins[staff_email(slug, StaffRole.ADMIN)]
            decided_at = DECIDED_FROM + timedelta(days=rng.randint(0, 540), minutes=rng.randint(0, 600))
            decided = status != MembershipStatus.PENDING
            rows.append(
                {
                    "cluster": clusters[slug],
                    "enterprise": enterprise,
                    "role": role,
                    "status": status,
                    "partner_tier": tier,
                    "application_note": _application_note(role, clusters[slug]),
                    "decision_reason": _decision_reason(status),
                    "decided_by": admin if decided else None,
                    "decided_at": decided_at if decided else None,
                    "applied_by": owners[p.owner_email],
                }
            )
            if status == MembershipStatus.APPROVED:
                verified.setdefault(enterprise.uscc, (decided_at, admin, clusters[slug]))
    sync_rows(Membership, ["cluster", "enterprise", "role"], rows)
    sync_rows(
        Enterprise,
        ["uscc"],
        [
            {
                "uscc": p.enterprise["uscc"],
                "verified_at": verified.get(p.enterprise["uscc"], (None, None, None))[0],
                "verified_by": verified.get(p.enterprise["uscc"], (None, None, None))[1],
                "verified_cluster": verified.get(p.enterprise["uscc"], (None, None, None))[2],
            }
            for p in planned
        ],
    )
    pending = sum(1 for row in rows if row["status"] == MembershipStatus.PENDING)
    stdout.write(
        f"  enterprises: {len(planned)}, owner accounts: {len(owners)}, "
        f"memberships: {len(rows)} ({pending} pending)"
    )


def _application_note(role: str, cluster: Cluster) -> str:
    if role == PARTNER:
        return f"申请成为{cluster.name}生态合作伙伴，面向集群企业提供数字化服务。"
    return f"申请加入{cluster.name}，希望获得数字化诊断、服务对接和惠企政策支持。"


def _decision_reason(status: str) -> str:
    return {
        MembershipStatus.REJECTED: "营业执照信息与申报信息不一致，请核实后重新申请。",
        MembershipStatus.SUSPENDED: "年度信息未按期更新，会员资格暂停。",
    }.get(status, "")
