"""Demo catalog: the taxonomy, the clusters' offerings from their approved partners, and SME demands.

Idempotent: rows are found by natural keys (cluster, partner, title) and (cluster, SME, title)
and left alone when they exist; the random choices use fixed seeds, so a fresh database
always gets the same catalog.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cluster_platform.models import Cluster
from cluster_platform.reference.regions import region_chain
from enterprises.models import Membership, MembershipRole, MembershipStatus
from services.models import Category, DeliveryMode, Demand, Offering, OfferingStatus, PriceModel
from services.services.offerings import offering_search_refresh
from services.taxonomy import category_tree_sync

ONLINE, OFFLINE, HYBRID = DeliveryMode.ONLINE, DeliveryMode.OFFLINE, DeliveryMode.HYBRID
FREE, FIXED, FROM, QUOTE, SUB = (
    PriceModel.FREE,
    PriceModel.FIXED,
    PriceModel.FROM,
    PriceModel.QUOTE,
    PriceModel.SUBSCRIPTION,
)

# (category, title, summary, delivery mode, price model, typical price in CNY, tags)
WUXI_SERVICES = [
    (
        "diagnosis-assessment",
        "中小企业数字化水平评测",
        "按工信部中小企业数字化水平评测指标现场诊断，出具评测报告与提升建议",
        HYBRID,
        FREE,
        0,
        ["诊断", "评测"],
    ),
    (
        "transformation-planning",
        "数字化转型规划咨询",
        "梳理业务流程与信息系统现状，制定三年数字化转型路线图",
        OFFLINE,
        QUOTE,
        80000,
        ["转型规划"],
    ),
    (
        "smart-manufacturing-consulting",
        "智能工厂建设咨询",
        "数字化车间、智能工厂评估与建设方案设计",
        OFFLINE,
        QUOTE,
        150000,
        ["智能制造"],
    ),
    (
        "iiot-platform",
        "工业互联网平台接入服务",
        "企业设备、系统接入工业互联网平台，实现数据互通",
        ONLINE,
        SUB,
        12000,
        ["工业互联网"],
    ),
    (
        "identifier-resolution",
        "工业互联网标识解析接入",
        "接入标识解析二级节点，实现产品全生命周期追溯",
        ONLINE,
        FIXED,
        20000,
        ["标识解析", "追溯"],
    ),
    (
        "industrial-apps",
        "设备点检巡检工业APP",
        "移动端设备点检、巡检、保养与报修闭环管理",
        ONLINE,
        SUB,
        3600,
        ["工业APP", "设备管理"],
    ),
    (
        "saas-erp",
        "云ERP进销存与财务一体化",
        "采购、销售、库存、财务一体化的云端ERP",
        ONLINE,
        SUB,
        9800,
        ["ERP"],
    ),
    (
        "saas-mes",
        "MES制造执行系统",
        "生产排程、工序报工、质量追溯的生产管理系统",
        HYBRID,
        FROM,
        120000,
        ["MES", "生产管理"],
    ),
    (
        "saas-mes",
        "SMT产线MES与质量追溯",
        "SMT贴片产线上料防错、过程追溯与良率分析",
        HYBRID,
        FROM,
        200000,
        ["MES", "SMT"],
    ),
    ("saas-crm", "CRM客户关系管理云", "线索、商机、合同与回款全流程管理", ONLINE, SUB, 6000, ["CRM"]),
    (
        "saas-scm",
        "供应链协同SCM平台",
        "与上下游供应商在线协同订单、交期与对账",
        ONLINE,
        SUB,
        18000,
        ["SCM", "供应链"],
    ),
    (
        "saas-plm",
        "PLM产品数据管理",
        "图纸、BOM与设计变更的统一管理",
        HYBRID,
        FROM,
        90000,
        ["PLM", "研发管理"],
    ),
    ("saas-oa", "协同办公OA上云", "审批流、公文、考勤一体化协同办公", ONLINE, SUB, 2400, ["OA"]),
    ("saas-wms", "WMS智能仓储管理", "条码化出入库、库位管理与盘点", HYBRID, FROM, 60000, ["WMS", "仓储"]),
    (
        "cloud-infrastructure",
        "云主机与数据备份",
        "弹性云主机、对象存储与异地容灾备份",
        ONLINE,
        SUB,
        5000,
        ["云计算"],
    ),
    (
        "device-connectivity",
        "设备上云一站式服务",
        "PLC、数控机床、注塑机数据采集与上云",
        HYBRID,
        FROM,
        30000,
        ["设备上云", "数据采集"],
    ),
    (
        "device-connectivity",
        "产线数据采集与边缘网关部署",
        "现场部署边缘网关，采集产量、状态、能耗数据",
        OFFLINE,
        FIXED,
        25000,
        ["数据采集", "网关"],
    ),
    (
        "sensors-mems",
        "MEMS传感器选型与应用方案",
        "压力、惯性、气体MEMS传感器选型与应用方案设计",
        OFFLINE,
        QUOTE,
        50000,
        ["MEMS", "传感器"],
    ),
    (
        "design-simulation",
        "MEMS器件设计仿真服务",
        "MEMS结构、工艺与封装的多物理场仿真",
        ONLINE,
        QUOTE,
        40000,
        ["MEMS", "仿真"],
    ),
    (
        "edge-computing",
        "边缘计算网关与本地智能",
        "边缘侧数据预处理、协议转换与本地推理",
        HYBRID,
        FROM,
        15000,
        ["边缘计算"],
    ),
    (
        "iot-platform",
        "物联网设备管理平台",
        "海量设备接入、远程运维、固件升级与告警",
        ONLINE,
        SUB,
        8000,
        ["物联网", "设备管理"],
    ),
    (
        "iot-platform",
        "NB-IoT与5G物联网模组适配",
        "通信模组选型、联调与运营商入网测试",
        OFFLINE,
        QUOTE,
        30000,
        ["NB-IoT", "5G"],
    ),
    (
        "data-governance",
        "工业数据治理与主数据管理",
        "物料、客户、供应商主数据标准化与清洗",
        HYBRID,
        QUOTE,
        100000,
        ["数据治理"],
    ),
    (
        "data-analytics",
        "生产数据看板与BI分析",
        "OEE、良率、能耗等生产指标可视化分析",
        ONLINE,
        FROM,
        20000,
        ["BI", "数据分析"],
    ),
    (
        "data-circulation",
        "数据资产入表与数据产品登记",
        "数据资源梳理、确权与数据交易所产品登记辅导",
        OFFLINE,
        QUOTE,
        60000,
        ["数据资产"],
    ),
    (
        "network-security",
        "工控安全防护与漏洞扫描",
        "工业控制系统安全评估、漏洞扫描与防护部署",
        HYBRID,
        FROM,
        40000,
        ["工控安全"],
    ),
    (
        "security-assessment",
        "网络安全等级保护测评",
        "等保2.0定级备案、测评与整改咨询",
        OFFLINE,
        FIXED,
        45000,
        ["等保"],
    ),
    (
        "data-security",
        "数据安全合规评估",
        "数据分类分级与个人信息保护合规评估",
        OFFLINE,
        QUOTE,
        50000,
        ["数据安全"],
    ),
    (
        "machine-vision",
        "AI视觉外观缺陷检测",
        "基于深度学习的电子元器件外观缺陷检测",
        HYBRID,
        FROM,
        80000,
        ["机器视觉", "质检"],
    ),
    (
        "predictive-maintenance",
        "设备预测性维护",
        "振动、温度数据建模，提前预警设备故障",
        ONLINE,
        SUB,
        15000,
        ["预测性维护"],
    ),
    ("ai-models", "工业大模型知识库问答", "工艺文件、设备手册的智能问答助手", ONLINE, SUB, 20000, ["大模型"]),
    (
        "testing",
        "电子元器件可靠性检测",
        "高低温、湿热、振动等环境可靠性试验",
        OFFLINE,
        FROM,
        8000,
        ["检测", "可靠性"],
    ),
    (
        "certification",
        "CE与FCC产品认证辅导",
        "出口电子产品认证测试与技术文件辅导",
        OFFLINE,
        QUOTE,
        30000,
        ["认证"],
    ),
    ("metrology", "仪器仪表计量校准", "电学、热学、力学仪器的计量校准服务", OFFLINE, FIXED, 3000, ["计量"]),
    (
        "patents",
        "专利布局与高价值专利培育",
        "围绕核心技术开展专利挖掘与布局",
        OFFLINE,
        QUOTE,
        40000,
        ["专利"],
    ),
    (
        "tech-brokerage",
        "高校科技成果转化对接",
        "对接高校院所成果，组织技术路演与转化洽谈",
        OFFLINE,
        FREE,
        0,
        ["成果转化"],
    ),
    (
        "credit-financing",
        "知识产权质押融资对接",
        "为科技型中小企业对接银行知识产权质押贷款",
        OFFLINE,
        FREE,
        0,
        ["融资"],
    ),
    (
        "digital-skills",
        "工业互联网与数字化技能培训",
        "面向企业管理者与工程师的数字化技能课程",
        HYBRID,
        FIXED,
        2800,
        ["培训"],
    ),
    (
        "pilot-platform",
        "MEMS中试线流片服务",
        "MEMS工艺中试线多项目晶圆流片与工艺开发",
        OFFLINE,
        QUOTE,
        300000,
        ["MEMS", "中试"],
    ),
]
# Each Wuxi service comes in an edition for one of the cluster's segments: 39 x 3 = 117.
WUXI_SEGMENTS = [
    ("传感器行业版", "传感器与MEMS企业", ["C39", "C40"]),
    ("电子元器件行业版", "集成电路与电子元器件企业", ["C39"]),
    ("智能装备行业版", "汽车电子与智能装备企业", ["C34", "C36", "C38"]),
]

# slug -> (industry name, industry codes, the industry-specific application)
GD_CLUSTERS = {
    "gd-bags": (
        "箱包皮具",
        ["C19"],
        ("design-simulation", "箱包3D打版与样品设计", "三维打版、虚拟样品，缩短打样周期"),
    ),
    "gd-textiles": (
        "纺织服装",
        ["C17", "C18"],
        ("saas-plm", "服装智能排料与版房管理", "自动排料提高面料利用率，版型数据统一管理"),
    ),
    "gd-cosmetics": (
        "美妆日化",
        ["C26"],
        ("saas-plm", "化妆品配方与备案管理", "配方、原料与化妆品备案资料的一体化管理"),
    ),
    "gd-jewellery": (
        "珠宝首饰",
        ["C24"],
        ("design-simulation", "珠宝首饰3D设计与打印", "三维建模、渲染与快速成型"),
    ),
    "gd-food": (
        "食品饮料",
        ["C13", "C14", "C15"],
        ("identifier-resolution", "食品安全追溯系统", "原料、批次、流向一物一码全程追溯"),
    ),
    "gd-furniture": (
        "定制家居",
        ["C21"],
        ("saas-mes", "全屋定制设计拆单一体化", "前端设计自动拆单，对接板式家具生产线"),
    ),
}
GD_TEMPLATES = [
    (
        "saas-erp",
        "{ind}行业ERP",
        "面向{ind}企业的订单、生产、库存与财务一体化管理",
        ONLINE,
        SUB,
        12000,
        ["ERP"],
    ),
    (
        "diagnosis-assessment",
        "{ind}企业数字化诊断",
        "按中小企业数字化水平评测指标诊断，出具转型路线图",
        HYBRID,
        FREE,
        0,
        ["诊断"],
    ),
    ("saas-mes", "{ind}生产管理MES", "{ind}生产排程、工序报工与质量追溯", HYBRID, FROM, 80000, ["MES"]),
    (
        "device-connectivity",
        "{ind}设备联网与能耗监测",
        "关键设备上云，实时监控产量与能耗",
        HYBRID,
        FROM,
        30000,
        ["设备上云"],
    ),
    (
        "saas-ecommerce",
        "{ind}跨境电商与直播运营",
        "帮助{ind}企业开拓跨境电商、直播电商渠道",
        ONLINE,
        FROM,
        20000,
        ["电商"],
    ),
    (
        "machine-vision",
        "{ind}AI视觉质检",
        "{ind}产品外观缺陷的自动检测",
        HYBRID,
        QUOTE,
        100000,
        ["质检", "机器视觉"],
    ),
    (
        "supply-chain-finance",
        "{ind}供应链金融服务",
        "基于订单与应收账款的供应链融资",
        OFFLINE,
        FREE,
        0,
        ["融资"],
    ),
]
GD_TOTAL = 47

DEMAND_TEMPLATES = [
    (
        "车间设备联网与数据采集",
        "约30台关键设备需要联网，采集产量、状态与能耗。",
        ["device-connectivity"],
        50000,
        150000,
    ),
    ("上线生产管理系统", "希望实现排产、报工和质量追溯，替代纸质单据。", ["saas-mes"], 100000, 300000),
    ("数字化水平诊断", "希望了解企业数字化水平，申请服务券开展诊断。", ["diagnosis-assessment"], None, 20000),
    ("产品外观缺陷自动检测", "人工目检漏检率高，希望引入视觉检测。", ["machine-vision"], 80000, 200000),
    ("ERP选型与实施", "现有进销存软件无法支撑多工厂管理。", ["saas-erp"], 50000, 200000),
    ("等保测评与安全整改", "客户要求通过等保二级测评。", ["security-assessment"], 30000, 60000),
]
DEMANDS_PER_CLUSTER = {"wuxi-iot": 6}


def _price(rng: random.Random, model: str, typical: int) -> tuple[Decimal | None, Decimal | None]:
    if model == FREE:
        return None, None
    base = Decimal(round(typical * rng.uniform(0.7, 1.3), -2))
    if model == FIXED:
        return base, base
    if model in (FROM, SUB):
        return base, None
    return (base, Decimal(round(base * 3, -2))) if rng.random() < 0.5 else (None, None)


def _status(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.06:
        return OfferingStatus.PENDING
    if roll < 0.10:
        return OfferingStatus.DRAFT
    return OfferingStatus.PUBLISHED


def _partners(cluster: Cluster) -> list:
    memberships = Membership.objects.filter(
        cluster=cluster, role=MembershipRole.PARTNER, status=MembershipStatus.APPROVED
    ).select_related("enterprise")
    return sorted((m.enterprise for m in memberships), key=lambda enterprise: enterprise.uscc)


def _smes(cluster: Cluster) -> list:
    memberships = Membership.objects.filter(
        cluster=cluster, role=MembershipRole.SME, status=MembershipStatus.APPROVED
    ).select_related("enterprise")
    return sorted((m.enterprise for m in memberships), key=lambda enterprise: enterprise.uscc)


def _offering(cluster, partner, rng, *, spec, title, summary, industries, now) -> bool:
    category, _title, _summary, mode, model, typical, tags = spec
    price_min, price_max = _price(rng, model, typical)
    status = _status(rng)
    province = region_chain(cluster.region_code)[:1]
    regions = [] if mode == ONLINE else province
    published_at = now - timedelta(days=rng.randint(1, 400)) if status == OfferingStatus.PUBLISHED else None
    offering, created = Offering.objects.get_or_create(
        cluster=cluster,
        partner=partner,
        title=title,
        defaults={
            "category_id": category,
            "summary": summary,
            "description": f"{summary}。服务流程：需求调研、方案设计、实施交付、培训与运维支持。",
            "delivery_mode": mode,
            "target_industries": industries,
            "target_size_classes": rng.choice([[], ["small", "micro"], ["medium", "small"]]),
            "regions_served": regions,
            "maturity_levels": sorted(rng.sample([1, 2, 3, 4], rng.randint(1, 3))),
            "price_model": model,
            "price_min": price_min,
            "price_max": price_max,
            "voucher_eligible": rng.random() < 0.4,
            "capacity": rng.randint(2, 20),
            "tags": tags,
            "status": status,
            "published_at": published_at,
            "submitted_at": published_at or (now if status == OfferingStatus.PENDING else None),
        },
    )
    if created:
        offering_search_refresh(offering=offering)
    return created


def _seed_wuxi(cluster: Cluster, partners: list, now) -> int:
    rng = random.Random(f"catalog:{cluster.slug}")
    created = 0
    index = 0
    for edition, segment, industries in WUXI_SEGMENTS:
        for spec in WUXI_SERVICES:
            partner = partners[index % len(partners)]
            index += 1
            created += _offering(
                cluster,
                partner,
                rng,
                spec=spec,
                title=f"{spec[1]}（{edition}）",
                summary=f"{spec[2]}，面向{segment}",
                industries=industries,
                now=now,
            )
    return created


def _gd_specs() -> list[tuple[str, tuple, str, str, list]]:
    """The 47 Guangdong application services: (cluster slug, spec, title, summary, industries)."""
    specs = []
    for slug, (industry, codes, special) in GD_CLUSTERS.items():
        category, title, summary = special
        own = [*GD_TEMPLATES, (category, title, summary, HYBRID, QUOTE, 60000, [industry])]
        for spec in own:
            specs.append((slug, spec, spec[1].format(ind=industry), spec[2].format(ind=industry), codes))
    return specs[:GD_TOTAL]


def _seed_demands(cluster: Cluster, count: int) -> int:
    smes = _smes(cluster)
    if not smes:
        return 0
    rng = random.Random(f"demands:{cluster.slug}")
    created = 0
    for position, (title, description, categories, budget_min, budget_max) in enumerate(
        DEMAND_TEMPLATES[:count]
    ):
        sme = smes[position % len(smes)]
        start = date(2027, 1, 1) + timedelta(days=rng.randint(0, 90))
        demand, was_created = Demand.objects.get_or_create(
            cluster=cluster,
            sme=sme,
            title=title,
            defaults={
                "description": description,
                "budget_min": Decimal(budget_min) if budget_min is not None else None,
                "budget_max": Decimal(budget_max),
                "desired_start": start,
                "deadline": start + timedelta(days=rng.randint(30, 180)),
                "visible_to_partners": position % 3 != 2,
            },
        )
        if was_created:
            demand.categories.set(categories)
            created += 1
    return created


@transaction.atomic
def seed(*, stdout) -> None:
    changed = category_tree_sync(Category)
    stdout.write(f"services: taxonomy {Category.objects.count()} categories ({changed} created or updated)")
    now = timezone.now()
    clusters = {
        cluster.slug: cluster for cluster in Cluster.objects.filter(slug__in=["wuxi-iot", *GD_CLUSTERS])
    }

    wuxi = clusters.get("wuxi-iot")
    if wuxi is None:
        stdout.write("services: cluster wuxi-iot does not exist; no offerings created there")
    elif not (partners := _partners(wuxi)):
        stdout.write("services: wuxi-iot has no approved partner members; no offerings created there")
    else:
        created = _seed_wuxi(wuxi, partners, now)
        total = Offering.objects.filter(cluster=wuxi).count()
        stdout.write(f"services: wuxi-iot {total} offerings ({created} new)")

    gd_created, gd_counts = 0, {}
    rngs = {slug: random.Random(f"catalog:{slug}") for slug in GD_CLUSTERS}
    partners_by_slug = {slug: _partners(clusters[slug]) for slug in GD_CLUSTERS if slug in clusters}
    positions: dict[str, int] = {}
    for slug, spec, title, summary, industries in _gd_specs():
        partners = partners_by_slug.get(slug)
        if not partners:
            continue
        position = positions.get(slug, 0)
        positions[slug] = position + 1
        gd_created += _offering(
            clusters[slug],
            partners[position % len(partners)],
            rngs[slug],
            spec=spec,
            title=title,
            summary=summary,
            industries=industries,
            now=now,
        )
        gd_counts[slug] = gd_counts.get(slug, 0) + 1
    for slug in GD_CLUSTERS:
        if slug not in clusters:
            stdout.write(f"services: cluster {slug} does not exist; no offerings created there")
        elif not partners_by_slug.get(slug):
            stdout.write(f"services: {slug} has no approved partner members; no offerings created there")
    stdout.write(
        f"services: Guangdong clusters {sum(gd_counts.values())} application services ({gd_created} new)"
    )

    demands = sum(
        _seed_demands(cluster, DEMANDS_PER_CLUSTER.get(slug, 2)) for slug, cluster in sorted(clusters.items())
    )
    stdout.write(f"services: {demands} new demands from SME members")
