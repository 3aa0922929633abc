"""Demo policies whose eligibility rules exercise the calculator, run after the library's demo.

The library's demo policies carry their own rules; rewriting them here would make the two
seeds undo each other on every run. Instead this adds a handful of policies of its own,
with rules chosen so that, among typical demo SMEs (tens to a few hundred employees, a few
million to a few hundred million CNY of revenue), some qualify, some miss by one condition
and some lack the facts. It ends with a summary of what the calculator finds for the demo
clusters' SME members.

Idempotent: a policy is found by its identity (cluster, issuer and document number); only
fields that differ are written, and nothing is written when nothing differs.
"""

from datetime import date
from decimal import Decimal

from cluster_platform.models import Cluster
from enterprises.models import Enterprise, MembershipRole, MembershipStatus
from policies.eligibility.calculator import enterprise_policy_matches
from policies.eligibility.notifications import policies_published
from policies.models import Policy, PolicyLevel, PolicyStatus
from policies.records import identity_key, search_document
from policies.rules.validation import validate_rule

SMALL_FIRMS = {"fact": "size_class", "op": "in", "value": ["medium", "small", "micro"]}

DEMO_POLICIES = [
    {
        "title": "无锡市物联网中小企业研发投入后补助实施细则",
        "document_number": "锡工信中小〔2026〕61号",
        "issuer": "无锡市工业和信息化局",
        "level": PolicyLevel.MUNICIPAL,
        "region_code": "320200",
        "benefit_type": "grant",
        "max_amount": "300000",
        "application_opens": "2026-03-01",
        "application_closes": "2027-03-31",
        "summary": "对研发投入强度不低于3%、成立满一年的物联网相关中小企业，按上年度研发投入增量给予最高30万元后补助。",
        "eligibility_rule": {
            "all": [
                SMALL_FIRMS,
                {"fact": "industry", "op": "within", "value": ["C39", "I65", "I64", "C38"]},
                {"fact": "rd_ratio", "op": "gte", "value": 0.03},
                {"fact": "years_since_founding", "op": "gte", "value": 1},
            ]
        },
    },
    {
        "title": "江苏省中小企业“智改数转”免费诊断服务实施方案",
        "document_number": "苏工信中小〔2026〕58号",
        "issuer": "江苏省工业和信息化厅",
        "level": PolicyLevel.PROVINCIAL,
        "region_code": "320000",
        "benefit_type": "service",
        "max_amount": "50000",
        "application_opens": "2026-01-01",
        "application_closes": "2027-06-30",
        "summary": "面向省内制造业中小企业，由省级财政购买服务，免费提供智能化改造和数字化转型诊断。",
        "eligibility_rule": {
            "all": [
                {"fact": "industry", "op": "within", "value": "C"},
                {"fact": "employees", "op": "lte", "value": 300},
                {"not": {"fact": "qualifications", "op": "has", "value": "single_champion"}},
            ]
        },
    },
    {
        "title": "广东省特色产业集群中小企业数字化“链式”改造补助",
        "document_number": "粤工信数字产业〔2026〕31号",
        "issuer": "广东省工业和信息化厅",
        "level": PolicyLevel.PROVINCIAL,
        "region_code": "440000",
        "benefit_type": "grant",
        "max_amount": "500000",
        "application_opens": "2026-04-01",
        "application_closes": "2027-04-30",
        "summary": "支持特色产业集群内中小企业按“链主带动、集群推进”方式开展数字化改造，按项目投入的30%给予最高50万元补助。",
        "eligibility_rule": {
            "all": [
                SMALL_FIRMS,
                {
                    "fact": "industry",
                    "op": "within",
                    "value": ["C13", "C14", "C18", "C19", "C21", "C24", "C26"],
                },
                {"fact": "digital_maturity", "op": "gte", "value": 1},
                {"fact": "revenue", "op": "lte", "value": 400_000_000},
            ]
        },
    },
    {
        "title": "科技型中小企业研发费用加计扣除辅导服务",
        "document_number": "国科火字〔2026〕17号",
        "issuer": "科学技术部火炬高技术产业开发中心",
        "level": PolicyLevel.NATIONAL,
        "region_code": "",
        "benefit_type": "tax",
        "max_amount": None,
        "application_opens": None,
        "application_closes": None,
        "summary": "入库科技型中小企业或高新技术企业，研发投入强度不低于4%的，可享受专家一对一加计扣除辅导。",
        "eligibility_rule": {
            "all": [
                {"fact": "employees", "op": "lte", "value": 500},
                {"fact": "rd_ratio", "op": "gte", "value": 0.04},
                {
                    "any": [
                        {"fact": "qualifications", "op": "has", "value": "tech_sme"},
                        {"fact": "qualifications", "op": "has", "value": "high_tech"},
                    ]
                },
            ]
        },
    },
]

# Local policies of two demo clusters: for their approved SME members with some digital maturity.
LOCAL_POLICIES = {
    "wuxi-iot": {
        "title": "无锡物联网产业集群会员企业上云用平台奖励",
        "document_number": "锡物联集群〔2026〕8号",
        "issuer": "无锡物联网产业集群促进中心",
        "level": PolicyLevel.DISTRICT,
        "region_code": "320214",
        "benefit_type": "voucher",
        "max_amount": "20000",
        "application_opens": "2026-05-01",
        "application_closes": "2027-05-31",
        "summary": "集群SME会员企业数字化水平达到二级及以上的，可申领最高2万元集群平台服务券。",
        "rule": lambda slug: {
            "all": [
                {"fact": "cluster", "op": "member_of", "value": slug, "role": "sme"},
                {"fact": "digital_maturity", "op": "gte", "value": 2},
            ]
        },
    },
    "gd-bags": {
        "title": "狮岭箱包皮具集群会员企业柔性生产改造补贴",
        "document_number": "狮岭集群〔2026〕4号",
        "issuer": "广州市花都区狮岭皮革皮具产业集群促进中心",
        "level": PolicyLevel.DISTRICT,
        "region_code": "440114",
        "benefit_type": "grant",
        "max_amount": "80000",
        "application_opens": "2026-06-01",
        "application_closes": "2027-06-30",
        "summary": "集群SME会员企业开展柔性生产线改造、员工不超过200人的，按投入的20%给予最高8万元补贴。",
        "rule": lambda slug: {
            "all": [
                {"fact": "cluster", "op": "member_of", "value": slug, "role": "sme"},
                {"fact": "employees", "op": "lte", "value": 200},
            ]
        },
    },
}


def _identity(issuer: str, number: str) -> str:
    """The library's identity key (issuer + document number), so an import of the same document
    finds this policy instead of duplicating it."""
    return identity_key({"issuer": issuer, "document_number": number})


def _values(record: dict, rule: dict) -> dict:
    values = {
        "title": record["title"],
        "document_number": record["document_number"],
        "issuer": record["issuer"],
        "level": record["level"],
        "region_code": record["region_code"],
        "benefit_type": record["benefit_type"],
        "max_amount": Decimal(record["max_amount"]) if record["max_amount"] else None,
        "application_opens": date.fromisoformat(record["application_opens"])
        if record["application_opens"]
        else None,
        "application_closes": date.fromisoformat(record["application_closes"])
        if record["application_closes"]
        else None,
        "published_on": date(2026, 1, 15),
        "valid_from": date(2026, 1, 15),
        "valid_until": date(2028, 12, 31),
        "summary": record["summary"],
        "eligibility_rule": rule,
        "status": PolicyStatus.PUBLISHED,
    }
    errors = validate_rule(rule)
    if errors:
        raise ValueError(f"demo policy {record['title']}: {errors}")
    return values


def _sync(values: dict, cluster: Cluster | None) -> tuple[str, Policy]:
    key = _identity(values["issuer"], values["document_number"])
    policy = Policy.objects.filter(cluster=cluster, content_hash=key).first()
    if policy is None:
        policy = Policy.objects.create(cluster=cluster, content_hash=key, **values)
        _index(policy)
        return "created", policy
    changed = [name for name, value in values.items() if getattr(policy, name) != value]
    if not changed:
        return "unchanged", policy
    for name in changed:
        setattr(policy, name, values[name])
    policy.save(update_fields=[*changed, "updated_at"])
    _index(policy)
    return "updated", policy


def _index(policy: Policy) -> None:
    """Give the policy its search document, as the library's own writes do."""
    fields = {
        name: getattr(policy, name) for name in ("title", "summary", "issuer", "full_text", "document_number")
    }
    document = search_document(fields)
    Policy.objects.filter(pk=policy.pk).update(search_vector=document)


def seed(*, stdout) -> None:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    published = []
    targets = [(_values(record, record["eligibility_rule"]), None) for record in DEMO_POLICIES]
    for slug, record in LOCAL_POLICIES.items():
        cluster = Cluster.objects.filter(slug=slug).first()
        if cluster is None:
            stdout.write(f"policies (eligibility): cluster {slug} not found, its local policy skipped")
            continue
        targets.append((_values(record, record["rule"](slug)), cluster))
    for values, cluster in targets:
        outcome, policy = _sync(values, cluster)
        counts[outcome] += 1
        if outcome != "unchanged":
            published.append(policy.pk)
    policies_published(published)
    stdout.write(
        f"policies (eligibility): {counts['created']} created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged"
    )
    _summarise(stdout)


def _summarise(stdout) -> None:
    """How the demo SMEs fare: proof that the rules produce eligible ones and near misses."""
    smes = Enterprise.objects.filter(
        memberships__role=MembershipRole.SME, memberships__status=MembershipStatus.APPROVED
    ).distinct()
    eligible = near = needs = 0
    for enterprise in smes.order_by("name", "id")[:200]:
        matches = enterprise_policy_matches(enterprise=enterprise, limit=1)
        eligible += matches["eligible"]["count"] > 0
        near += matches["near_misses"]["count"] > 0
        needs += matches["needs_facts"]["count"] > 0
    total = min(smes.count(), 200)
    stdout.write(
        f"policies (eligibility): of {total} demo SMEs, {eligible} qualify for at least one policy, "
        f"{near} have a near miss, {needs} could qualify with more profile facts"
    )
