"""Realistic generated policies, for benchmarks and load tests (never for the demo).

Titles, issuers and document numbers follow the conventions of Chinese government documents
(苏工信〔2024〕12号), levels and regions come from the real GB/T 2260 table, and summaries
and texts are assembled from phrases real support policies use, so that everyday words such
as 数字化 and 补贴 occur in most policies, as they do in a real library.
"""

import datetime
import json
import random
from collections.abc import Iterator
from decimal import Decimal

from cluster_platform.reference.regions import CITY, DISTRICT, PROVINCE, all_regions
from policies.categories import CATEGORIES
from policies.generation import make_rule

PROVINCE_ABBREVIATIONS = {
    "110000": "京", "120000": "津", "130000": "冀", "140000": "晋", "150000": "内蒙古",
    "210000": "辽", "220000": "吉", "230000": "黑", "310000": "沪", "320000": "苏",
    "330000": "浙", "340000": "皖", "350000": "闽", "360000": "赣", "370000": "鲁",
    "410000": "豫", "420000": "鄂", "430000": "湘", "440000": "粤", "450000": "桂",
    "460000": "琼", "500000": "渝", "510000": "川", "520000": "黔", "530000": "滇",
    "540000": "藏", "610000": "陕", "620000": "甘", "630000": "青", "640000": "宁",
    "650000": "新",
}  # fmt: skip
NATIONAL_ISSUERS = [
    ("工业和信息化部", "工信部企业"),
    ("工业和信息化部", "工信部信发"),
    ("财政部", "财建"),
    ("财政部 国家税务总局", "财税"),
    ("科学技术部", "国科发"),
    ("国家发展和改革委员会", "发改高技"),
    ("商务部", "商贸发"),
    ("人力资源和社会保障部", "人社部发"),
    ("国家知识产权局", "国知发"),
    ("中国人民银行", "银发"),
]
PROVINCIAL_DEPARTMENTS = [
    ("工业和信息化厅", "工信"),
    ("科学技术厅", "科"),
    ("财政厅", "财"),
    ("商务厅", "商"),
    ("人力资源和社会保障厅", "人社"),
    ("发展和改革委员会", "发改"),
    ("市场监督管理局", "市监"),
]
LOCAL_DEPARTMENTS = [
    ("工业和信息化局", "工信"),
    ("科学技术局", "科"),
    ("财政局", "财"),
    ("商务局", "商"),
    ("人力资源和社会保障局", "人社"),
    ("发展和改革委员会", "发改"),
]
DISTRICT_DEPARTMENTS = [("经济发展局", "经发"), ("科技局", "科"), ("商务局", "商"), ("财政局", "财")]
TOPICS = [
    ("中小企业数字化转型", ["digital", "subsidy"]),
    ("工业互联网创新发展", ["digital", "innovation"]),
    ("智能制造示范工厂", ["digital", "subsidy"]),
    ("专精特新中小企业培育", ["specialized", "subsidy"]),
    ("高新技术企业培育", ["innovation", "tax"]),
    ("科技型中小企业研发费用加计扣除", ["tax", "innovation"]),
    ("首台（套）重大技术装备", ["innovation", "subsidy"]),
    ("企业上云用云", ["digital", "voucher"]),
    ("数字化转型服务券", ["voucher", "digital"]),
    ("知识产权质押融资", ["intellectual_property", "finance"]),
    ("高层次人才引进", ["talent"]),
    ("外贸企业开拓国际市场", ["market", "export"]),
    ("绿色工厂和节能技术改造", ["green", "subsidy"]),
    ("企业技术改造", ["subsidy", "digital"]),
    ("物联网产业发展", ["innovation", "digital"]),
    ("集成电路产业发展", ["innovation", "subsidy"]),
    ("普惠金融和贷款贴息", ["finance"]),
    ("稳岗扩岗", ["employment"]),
    ("质量品牌提升", ["quality"]),
    ("小微企业创业扶持", ["startup", "finance"]),
    ("产业集群数字化", ["digital", "subsidy"]),
    ("5G+工业互联网融合应用", ["digital", "innovation"]),
]
TITLE_TEMPLATES = [
    "关于印发《{place}{topic}专项资金管理办法》的通知",
    "{place}关于支持{topic}的若干政策措施",
    "关于组织申报{year}年度{place}{topic}项目的通知",
    "{place}{topic}奖励补贴实施细则",
    "关于做好{year}年{place}{topic}工作的通知",
    "{place}推进{topic}三年行动计划（{year}—{year2}年）",
    "关于开展{year}年{place}{topic}资金申报工作的通知",
]
SUMMARY_PHRASES = [
    "对符合条件的中小企业给予资金补贴，单个企业最高补贴{amount}万元。",
    "支持企业实施数字化改造，按项目实际投入的{pct}%给予补贴。",
    "鼓励企业开展数字化转型诊断，诊断费用由财政全额补贴。",
    "对新认定的专精特新中小企业给予一次性奖励。",
    "支持企业购买工业软件和云服务，发放数字化服务券。",
    "对企业研发投入给予后补助，最高不超过{amount}万元。",
    "对获得银行贷款的企业按贷款市场报价利率的{pct}%给予贴息补贴。",
    "推动中小企业数字化、网络化、智能化发展，提升产业链协同水平。",
]
TEXT_PHRASES = [
    "为深入贯彻落实党中央、国务院关于加快发展数字经济的决策部署，推动中小企业数字化转型，结合本地实际，制定本办法。",
    "本办法所称中小企业，是指依法在本地登记注册、具有独立法人资格、符合《中小企业划型标准规定》的企业。",
    "专项资金采取事后补贴、以奖代补、贷款贴息等方式安排使用。",
    "对企业实施的数字化车间、智能工厂项目，按设备和软件投入的{pct}%给予补贴，最高不超过{amount}万元。",
    "申报企业应当依法纳税、诚信经营，近三年未发生重大安全、环保、质量事故，未被列入严重失信主体名单。",
    "对通过数字化转型诊断并实施改造的企业，按诊断服务费用的{pct}%给予补贴。",
    "鼓励工业互联网平台和数字化服务商为中小企业提供低成本、轻量化、模块化的数字化解决方案。",
    "对上年度研发费用占营业收入比例不低于{pct}%的企业，给予研发投入补贴。",
    "服务券由企业向服务机构购买服务时抵扣使用，每家企业每年申领额度不超过{amount}万元。",
    "申报材料包括申报书、营业执照、上年度财务审计报告、项目投入发票和合同等。",
    "主管部门会同财政部门组织专家评审，评审结果在官方网站公示五个工作日。",
    "对弄虚作假、骗取补贴资金的企业，追回已拨付资金，并按有关规定追究责任。",
    "支持企业引进高层次人才和紧缺技术人才，给予安家补贴和岗位津贴。",
    "对首次获得高新技术企业认定的企业，给予一次性奖励{amount}万元。",
    "鼓励金融机构开发知识产权质押、供应链金融等信贷产品，降低中小企业融资成本。",
    "对参加境外展会的企业，按展位费的{pct}%给予补贴。",
    "支持企业开展绿色化、数字化协同改造，建设绿色工厂和数字化车间。",
    "各地要加强组织领导，明确责任分工，确保政策落地见效。",
    "本办法自发布之日起施行，有效期{years}年，由主管部门负责解释。",
    "对列入省级以上专精特新中小企业名单的企业，优先支持其数字化改造项目。",
    "推进5G、物联网、人工智能等新一代信息技术与制造业深度融合。",
    "企业在申报系统注册并填报申报信息，经属地主管部门初审后报送。",
]
BENEFIT_BY_CATEGORY = {
    "subsidy": "subsidy",
    "tax": "tax_relief",
    "finance": "interest_subsidy",
    "talent": "subsidy",
    "innovation": "reward",
    "digital": "subsidy",
    "market": "subsidy",
    "voucher": "voucher",
    "specialized": "reward",
    "green": "subsidy",
    "intellectual_property": "interest_subsidy",
    "quality": "reward",
    "startup": "loan",
    "employment": "subsidy",
    "export": "subsidy",
}
AMOUNTS_WAN = [5, 10, 20, 30, 50, 80, 100, 200, 300, 500, 1000]
CATEGORY_CODES = [category.code for category in CATEGORIES]


def _regions_by_level() -> dict[str, list]:
    regions = all_regions()
    levels: dict[str, list] = {PROVINCE: [], CITY: [], DISTRICT: []}
    for region in regions.values():
        # Taiwan, Hong Kong and Macao issue no mainland support policies; placeholder rows
        # ("省直辖县级行政单位") name no place.
        if region.code[:2] in ("71", "81", "82") or "直辖" in region.name or "行政" in region.name:
            continue
        levels[region.level].append(region)
    return levels


def _short_place(name: str) -> str:
    for suffix in (
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "自治区",
        "特别行政区",
        "省",
        "市",
        "区",
        "县",
    ):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def generate_policies(count: int, *, seed: int = 2026, today: datetime.date | None = None) -> Iterator[dict]:
    """`count` policy records (plain JSON-able dicts, in the import file's field names)."""
    rng = random.Random(seed)
    # Rules draw from their own stream, so the policies are the same with or without rules.
    rule_rng = random.Random(seed + 1)
    today = today or datetime.date(2026, 11, 1)
    levels = _regions_by_level()
    regions = all_regions()
    serials: dict[str, int] = {}
    for _ in range(count):
        level = rng.choices(["national", "provincial", "municipal", "district"], weights=[8, 25, 40, 27])[0]
        published = today - datetime.timedelta(days=int(rng.triangular(0, 2400, 0)))
        year = published.year
        if level == "national":
            region_code, place = "", rng.choice(["", "全国"])
            issuer, prefix = rng.choice(NATIONAL_ISSUERS)
        elif level == "provincial":
            region = rng.choice(levels[PROVINCE])
            region_code, place = region.code, region.name
            department, short = rng.choice(PROVINCIAL_DEPARTMENTS)
            issuer = f"{region.name}{department}"
            prefix = f"{PROVINCE_ABBREVIATIONS.get(region.code, _short_place(region.name))}{short}"
        elif level == "municipal":
            region = rng.choice(levels[CITY])
            region_code, place = region.code, region.name
            department, short = rng.choice(LOCAL_DEPARTMENTS)
            issuer = f"{region.name}{department}"
            prefix = f"{_short_place(region.name)}{short}发"
        else:
            region = rng.choice(levels[DISTRICT])
            parent = regions.get(region.parent_code or "")
            region_code = region.code
            place = f"{parent.name if parent else ''}{region.name}"
            department, short = rng.choice(DISTRICT_DEPARTMENTS)
            issuer = f"{place}{department}"
            prefix = f"{_short_place(region.name)}{short}"
        key = f"{prefix}{year}"
        serials[key] = serials.get(key, 0) + 1
        document_number = f"{prefix}〔{year}〕{serials[key]}号"
        topic, topic_categories = rng.choice(TOPICS)
        categories = list(dict.fromkeys(topic_categories + rng.sample(CATEGORY_CODES, rng.choice([0, 0, 1]))))
        amount_wan = rng.choice(AMOUNTS_WAN)
        fill = {
            "amount": amount_wan,
            "pct": rng.choice([10, 20, 30, 50]),
            "years": rng.choice([2, 3, 5]),
        }
        title = rng.choice(TITLE_TEMPLATES).format(place=place, topic=topic, year=year, year2=year + 2)
        summary = "".join(phrase.format(**fill) for phrase in rng.sample(SUMMARY_PHRASES, 3))
        full_text = "".join(phrase.format(**fill) for phrase in rng.sample(TEXT_PHRASES, rng.randint(6, 10)))
        opens = published + datetime.timedelta(days=rng.randint(0, 30))
        closes = opens + datetime.timedelta(days=rng.randint(30, 150))
        valid_until = published + datetime.timedelta(days=365 * fill["years"])
        status = "expired" if valid_until < today and rng.random() < 0.5 else "published"
        yield {
            "title": title,
            "document_number": document_number,
            "issuer": issuer,
            "level": level,
            "region_code": region_code,
            "published_on": published.isoformat(),
            "application_opens": opens.isoformat(),
            "application_closes": closes.isoformat(),
            "valid_from": published.isoformat(),
            "valid_until": valid_until.isoformat(),
            "categories": categories,
            "summary": summary,
            "full_text": full_text,
            "source_url": f"https://www.example.gov.cn/zcwj/{year}/{rng.randrange(10**8):08d}.html",
            "benefit_type": BENEFIT_BY_CATEGORY.get(categories[0], "subsidy"),
            "max_amount": str(Decimal(amount_wan * 10_000)),
            "eligibility_rule": make_rule(rule_rng),
            "status": status,
        }


def write_jsonl(records, stream) -> int:
    written = 0
    for record in records:
        stream.write(json.dumps(record, ensure_ascii=False))
        stream.write("\n")
        written += 1
    return written
