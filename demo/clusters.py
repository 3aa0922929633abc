"""Demo data: the Wuxi IoT cluster, Guangdong's six cluster platforms, their agency staff and
the platform operator.

`seed()` is idempotent: rows are matched on their natural keys, missing ones are created,
existing ones are updated only where a field differs, so a second run writes nothing.
`sync_rows` is the helper that does this; the other apps' demo modules use it too.
"""

import contextlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from cluster_platform.models import Cluster, ClusterStaff, StaffRole, User
from cluster_platform.services import audit_record

DEMO_RESET_ACTION = "demo.reset"

DEMO_PASSWORD = "demo-pass-2026"
PLATFORM_OPERATOR_EMAIL = "operator@platform.demo"


@dataclass(frozen=True)
class DemoCluster:
    slug: str
    name: str
    name_en: str
    region_code: str
    industry_focus: str
    agency_name: str
    description: str
    staff_names: tuple[str, str, str]  # admin, operator, viewer


CLUSTERS: tuple[DemoCluster, ...] = (
    DemoCluster(
        slug="wuxi-iot",
        name="无锡物联网产业集群",
        name_en="Wuxi Internet of Things Industry Cluster",
        region_code="320214",
        industry_focus="C39,C40,I65,I64,M73",
        agency_name="无锡物联网产业集群促进中心",
        description=(
            "以新吴区为核心的国家先进制造业集群，覆盖传感器与MEMS、物联网通信模组、工业软件和系统集成。"
            "综合服务平台汇聚线上线下服务、全国惠企政策，并通过电子制造协同创新平台在线开放MEMS设计、"
            "仿真、制造、测试和封装设备。"
        ),
        staff_names=("周立群", "陈思远", "顾晓雯"),
    ),
    DemoCluster(
        slug="gd-bags",
        name="广东箱包皮具产业集群",
        name_en="Guangdong Bags and Leather Goods Cluster",
        region_code="440114",
        industry_focus="C19,C29,C18",
        agency_name="广州市花都区狮岭皮革皮具产业集群促进中心",
        description=(
            "以花都狮岭为中心的箱包皮具产业集群，聚集皮料、五金辅料、设计打版、生产加工和跨境电商企业。"
            "平台为中小企业提供数字化诊断、柔性生产和电商运营服务。"
        ),
        staff_names=("黄志强", "李嘉欣", "梁文辉"),
    ),
    DemoCluster(
        slug="gd-textiles",
        name="广东纺织服装产业集群",
        name_en="Guangdong Textiles and Apparel Cluster",
        region_code="440605",
        industry_focus="C17,C18",
        agency_name="佛山市南海区纺织服装产业集群服务中心",
        description=(
            "以南海西樵为代表的纺织服装产业集群，从纺纱织造、印染到成衣制造。"
            "平台连接面料数字化、智能排产和工业互联网服务商，推动小单快反。"
        ),
        staff_names=("何家俊", "邓丽华", "冯子健"),
    ),
    DemoCluster(
        slug="gd-cosmetics",
        name="广东美妆日化产业集群",
        name_en="Guangdong Cosmetics and Personal Care Cluster",
        region_code="440111",
        industry_focus="C26,C22,I65",
        agency_name="广州市白云区美妆日化产业集群促进中心",
        description=(
            "以广州白云为核心的美妆日化产业集群，聚集化妆品代工、原料、包材和品牌企业。"
            "平台提供质量追溯、备案合规、数字营销和供应链协同服务。"
        ),
        staff_names=("罗晓燕", "谢宇航", "刘慧敏"),
    ),
    DemoCluster(
        slug="gd-jewellery",
        name="广东珠宝首饰产业集群",
        name_en="Guangdong Jewellery Cluster",
        region_code="440303",
        industry_focus="C24,F51,I65",
        agency_name="深圳市罗湖区珠宝首饰产业集群促进中心",
        description=(
            "以深圳水贝为中心的珠宝首饰产业集群，覆盖设计、加工、检测和批发零售。"
            "平台提供三维设计、智能制造、贵金属溯源和直播电商服务。"
        ),
        staff_names=("郑国栋", "吴美玲", "曾俊杰"),
    ),
    DemoCluster(
        slug="gd-food",
        name="广东食品饮料产业集群",
        name_en="Guangdong Food and Beverage Cluster",
        region_code="445103",
        industry_focus="C13,C14,C15",
        agency_name="潮州市潮安区食品饮料产业集群服务中心",
        description=(
            "以潮州潮安为代表的食品饮料产业集群，涵盖凉果蜜饯、休闲食品、茶叶和饮料。"
            "平台提供食品安全追溯、生产数字化和渠道数字化服务。"
        ),
        staff_names=("陈泽鹏", "林淑贞", "蔡伟明"),
    ),
    DemoCluster(
        slug="gd-furniture",
        name="广东定制家居产业集群",
        name_en="Guangdong Custom Home Furnishing Cluster",
        region_code="440606",
        industry_focus="C21,C20,C33",
        agency_name="佛山市顺德区定制家居产业集群促进中心",
        description=(
            "以佛山顺德龙江、乐从为核心的定制家居产业集群，覆盖板材、五金、家具制造和家居卖场。"
            "平台提供拆单设计软件、柔性生产线改造和订单协同服务。"
        ),
        staff_names=("潘志豪", "区美华", "欧阳明"),
    ),
)
STAFF_ROLES = (StaffRole.ADMIN, StaffRole.OPERATOR, StaffRole.VIEWER)


def staff_email(slug: str, role: str) -> str:
    return f"{role}@{slug}.demo"


@dataclass
class DemoReset:
    """One demo row that a run put back: which row, and its fields before and after."""

    label: str
    row: str
    before: dict
    after: dict


@dataclass
class ResetLog:
    """The demo rows one `seed_demo` run put back as they were (after a walkthrough changed them).
    Rows created by the same run (a first run, or rows deleted since) are not resets."""

    resets: list[DemoReset] = field(default_factory=list)
    created: set[tuple[str, object]] = field(default_factory=set)


_reset_log: ResetLog | None = None


@contextlib.contextmanager
def tracking_resets() -> Iterator[ResetLog]:
    global _reset_log
    previous, _reset_log = _reset_log, ResetLog()
    try:
        yield _reset_log
    finally:
        _reset_log = previous


def _json_values(values: dict) -> dict:
    plain = {
        name: "(hidden)" if "password" in name else _plain(value)  # never print or log a hash
        for name, value in values.items()
    }
    return json.loads(json.dumps(plain, cls=DjangoJSONEncoder))


def _record_resets(model: type[models.Model], changes: list[tuple[models.Model, dict, dict]]) -> None:
    """Report the rows that were changed back, and write each cluster-owned one to its cluster's
    audit log (in the seeding transaction): an agency sees why its pending application is back."""
    if _reset_log is None:
        return
    label = model._meta.label
    for obj, before, after in changes:
        if (label, obj.pk) in _reset_log.created:
            continue
        before, after = _json_values(before), _json_values(after)
        _reset_log.resets.append(DemoReset(label, str(obj), before, after))
        cluster = getattr(obj, "cluster", None) if hasattr(obj, "cluster_id") else None
        if isinstance(cluster, Cluster):
            audit_record(
                cluster=cluster, actor=None, action=DEMO_RESET_ACTION, target=obj, before=before, after=after
            )


def sync_rows(
    model: type[models.Model], key: Sequence[str], rows: Iterable[dict]
) -> dict[tuple, models.Model]:
    """Make `rows` exist, matched on the `key` fields: create the missing ones, update only the
    fields that differ on the others. Returns every row by its key tuple.

    Batched (one select, one bulk insert, one bulk update per model) so that seeding stays fast,
    and writing only what differs means a second run leaves every row, `updated_at` included, alone.
    """
    rows = list(rows)
    if not rows:
        return {}

    def key_of(values) -> tuple:
        return tuple(_key_value(values, field) for field in key)

    existing: dict[tuple, models.Model] = {}
    lookup = models.Q()
    for row in rows:
        lookup |= models.Q(**{field: row[field] for field in key})
    for obj in model._default_manager.filter(lookup):
        existing[key_of(obj)] = obj

    to_create, to_update, changed_fields = [], [], set()
    changes: list[tuple[models.Model, dict, dict]] = []
    result: dict[tuple, models.Model] = {}
    for row in rows:
        row_key = key_of(row)
        obj = existing.get(row_key)
        if obj is None:
            obj = model(**row)
            to_create.append(obj)
        else:
            dirty = [name for name, value in row.items() if _field_value(obj, name) != _plain(value)]
            if dirty:
                before = {name: _field_value(obj, name) for name in dirty}
                for name in dirty:
                    setattr(obj, name, row[name])
                changes.append((obj, before, {name: row[name] for name in dirty}))
                changed_fields.update(dirty)
                to_update.append(obj)
        result[row_key] = obj
    if to_create:
        model._default_manager.bulk_create(to_create)
        if _reset_log is not None:
            _reset_log.created.update((model._meta.label, obj.pk) for obj in to_create)
    if to_update:
        if any(field.name == "updated_at" for field in model._meta.concrete_fields):
            changed_fields.add("updated_at")
        model._default_manager.bulk_update(to_update, sorted(changed_fields))
        _record_resets(model, changes)
    return result


def _plain(value):
    return value.pk if isinstance(value, models.Model) else value


def _field_value(obj: models.Model, name: str):
    field = obj._meta.get_field(name)
    if field.is_relation:
        return getattr(obj, field.attname)
    return getattr(obj, name)


def _key_value(values, field: str):
    value = values[field] if isinstance(values, dict) else _field_value(values, field)
    return _plain(value)


def demo_users(people: Iterable[tuple[str, str]], **flags) -> dict[str, User]:
    """The demo users (email, name) with the demo password; returns them by email.

    Every demo account shares one password hash, computed once: hashing hundreds of passwords
    with Argon2 would make seeding take minutes. The hash is set only on new accounts, so a
    password changed during a demo survives a re-seed.
    """
    people = list(people)
    emails = [email for email, _name in people]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    password = make_password(DEMO_PASSWORD) if len(existing) < len(emails) else None
    rows = []
    for email, name in people:
        row = {"email": email, "name": name, **flags}
        if email not in existing:
            row["password"] = password
        rows.append(row)
    return {key[0]: user for key, user in sync_rows(User, ["email"], rows).items()}


def accounts() -> list[tuple[str, str, str]]:
    """The staff accounts worth printing in the demo banner: (email, role, cluster)."""
    listed = [(PLATFORM_OPERATOR_EMAIL, "platform operator (superuser)", "-")]
    for role in STAFF_ROLES:
        listed.append((staff_email("wuxi-iot", role), f"agency {role}", "wuxi-iot"))
    for cluster in CLUSTERS[1:]:
        listed.append((staff_email(cluster.slug, StaffRole.ADMIN), "agency admin", cluster.slug))
    return listed


@transaction.atomic
def seed(*, stdout) -> None:
    demo_users([(PLATFORM_OPERATOR_EMAIL, "平台运营")], is_staff=True, is_superuser=True)
    clusters = sync_rows(
        Cluster,
        ["slug"],
        [
            {
                "slug": c.slug,
                "name": c.name,
                "name_en": c.name_en,
                "region_code": c.region_code,
                "industry_focus": c.industry_focus,
                "agency_name": c.agency_name,
                "description": c.description,
                "is_active": True,
            }
            for c in CLUSTERS
        ],
    )
    people = [
        (staff_email(c.slug, role), name)
        for c in CLUSTERS
        for role, name in zip(STAFF_ROLES, c.staff_names, strict=True)
    ]
    users = demo_users(people)
    sync_rows(
        ClusterStaff,
        ["cluster", "user"],
        [
            {"cluster": clusters[(c.slug,)], "user": users[staff_email(c.slug, role)], "role": role}
            for c in CLUSTERS
            for role in STAFF_ROLES
        ],
    )
    stdout.write(f"  clusters: {len(CLUSTERS)}, agency staff: {len(people)}, platform operator: 1")
