"""Demo data for service delivery: the Wuxi IoT cluster's shared MEMS machine fleet with bookings,
and engagements in every state, with reviews, across the demo clusters.

Idempotent: machines are keyed on (cluster, partner, asset code) and inserted with
ON CONFLICT DO NOTHING; bookings are seeded only for machines that have none; an engagement is
seeded only where the SME has none for that offering. Randomness is seeded, so a fresh database
gets the same data every time. Runs after demo/catalog.py, whose published offerings it uses.
"""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cluster_platform.models import Cluster
from enterprises.models import EnterpriseUser, Membership, MembershipRole, MembershipStatus
from services import engagement_flow as flow
from services.models import (
    Booking,
    BookingStatus,
    Engagement,
    EngagementEvent,
    Machine,
    MachineApproval,
    MachineStatus,
    Offering,
    OfferingStatus,
    Review,
)
from services.services.reviews import offering_rating_refresh, partner_rating_refresh

DEMO_CLUSTERS = [
    "wuxi-iot",
    "gd-bags",
    "gd-textiles",
    "gd-cosmetics",
    "gd-jewellery",
    "gd-food",
    "gd-furniture",
]
# The Wuxi platform operates 800+ MEMS design, simulation, manufacturing, test and packaging
# machines; the demo lists 800 so that lists, filters and utilisation run at the real scale.
WUXI_FLEET_SIZE = 800

WEEKDAYS_8_20 = {day: ["08:00", "20:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
SIX_DAYS_8_22 = {day: ["08:00", "22:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat")}
ALWAYS = {day: ["00:00", "24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}

# kind -> (share of the fleet, [(name, model, manufacturer, hourly rate CNY)], opening hours)
FLEET = {
    "mems_design": (
        0.10,
        [
            ("MEMS 版图设计工作站", "Cadence Virtuoso IC6.1 + MEMS 套件", "Cadence", 150),
            ("MEMS 器件设计工作站", "Coventor MEMS+ 7", "Coventor (Lam Research)", 180),
            ("掩模版图设计站", "Tanner L-Edit MEMS", "Siemens EDA", 120),
        ],
        SIX_DAYS_8_22,
    ),
    "simulation": (
        0.14,
        [
            ("多物理场仿真计算节点", "COMSOL Multiphysics 6.2 / 64 核", "COMSOL", 220),
            ("结构与热仿真 HPC 节点", "ANSYS Mechanical HPC", "Ansys", 260),
            ("MEMS 工艺仿真服务器", "IntelliSuite 9", "IntelliSense", 200),
        ],
        ALWAYS,
    ),
    "manufacturing": (
        0.30,
        [
            ("深硅刻蚀机", "SPTS Rapier DRIE", "SPTS Technologies", 1600),
            ("晶圆键合机", "EVG 520IS", "EV Group", 1200),
            ("紫外光刻机", "SUSS MA6 Gen4", "SUSS MicroTec", 900),
            ("ICP 刻蚀机", "PlasmaPro 100 Cobra", "Oxford Instruments", 1400),
            ("PECVD 薄膜沉积设备", "Precision 5000", "Applied Materials", 1300),
            ("LPCVD 管式炉", "Tempress TS-81", "Tempress", 800),
            ("磁控溅射台", "Denton Discovery 635", "Denton Vacuum", 700),
            ("原子层沉积设备", "Picosun R-200", "Picosun", 1100),
        ],
        WEEKDAYS_8_20,
    ),
    "test": (
        0.22,
        [
            ("晶圆探针台", "Summit 200", "FormFactor", 380),
            ("半导体参数分析仪", "B1500A", "Keysight", 300),
            ("微系统振动分析仪", "MSA-600", "Polytec", 450),
            ("MEMS 惯性器件转台测试系统", "三轴转台 + 温箱", "中电科", 520),
            ("压力传感器标定系统", "PACE 6000", "Druck", 260),
        ],
        SIX_DAYS_8_22,
    ),
    "packaging": (
        0.16,
        [
            ("全自动引线键合机", "ICONN ProCu", "Kulicke & Soffa", 420),
            ("高精度固晶机", "AD838", "ASMPT", 380),
            ("晶圆划片机", "DAD3350", "DISCO", 460),
            ("共晶贴片机", "3800 Die Bonder", "Palomar", 500),
        ],
        WEEKDAYS_8_20,
    ),
    "metrology": (
        0.08,
        [
            ("台阶仪", "P-7", "KLA", 260),
            ("场发射扫描电镜", "GeminiSEM 460", "ZEISS", 680),
            ("原子力显微镜", "Dimension Icon", "Bruker", 560),
        ],
        WEEKDAYS_8_20,
    ),
}
LOCATIONS = [
    "无锡市新吴区 物联网产业园 MEMS 中试线 A 区",
    "无锡市新吴区 物联网产业园 MEMS 中试线 B 区",
    "无锡市新吴区 太湖国际科技园 封测中心",
    "无锡市新吴区 集成电路设计中心 机房",
    "无锡市滨湖区 山水城科技园 检测平台",
    "无锡市锡山区 经济技术开发区 传感器工厂",
    "无锡市梁溪区 科技金融中心 仿真计算中心",
]
PREFIX = {
    "mems_design": "DS",
    "simulation": "SM",
    "manufacturing": "MF",
    "test": "TS",
    "packaging": "PK",
    "metrology": "MT",
}


def _members(cluster: Cluster, role: str) -> list:
    return list(
        Membership.objects.filter(cluster=cluster, role=role, status=MembershipStatus.APPROVED)
        .select_related("enterprise")
        .order_by("enterprise__uscc")
    )


def _first_user_by_enterprise(enterprise_ids) -> dict:
    users = {}
    for link in EnterpriseUser.objects.filter(enterprise_id__in=enterprise_ids).order_by("created_at", "id"):
        users.setdefault(link.enterprise_id, link.user_id)
    return users


def _seed_fleet(cluster: Cluster, partners: list, rng: random.Random, stdout) -> None:
    now = timezone.now()
    machines = []
    serial = 0
    for kind, (share, catalog, hours) in FLEET.items():
        for index in range(round(WUXI_FLEET_SIZE * share)):
            serial += 1
            name, model, manufacturer, rate = catalog[index % len(catalog)]
            partner = partners[serial % len(partners)].enterprise
            roll = rng.random()
            approval = (
                MachineApproval.PENDING
                if roll < 0.03
                else MachineApproval.REJECTED
                if roll < 0.04
                else MachineApproval.APPROVED
            )
            roll = rng.random()
            status = (
                MachineStatus.MAINTENANCE
                if roll < 0.07
                else MachineStatus.OFFLINE
                if roll < 0.12
                else MachineStatus.ONLINE
            )
            submitted = now - timedelta(days=rng.randint(1, 400))
            machines.append(
                Machine(
                    cluster=cluster,
                    partner=partner,
                    asset_code=f"WX-{PREFIX[kind]}-{serial:04d}",
                    name=f"{name} #{index // len(catalog) + 1}",
                    kind=kind,
                    model_name=model,
                    manufacturer=manufacturer,
                    description=f"{manufacturer} {model}，向集群企业按小时开放共享。",
                    location=LOCATIONS[rng.randrange(len(LOCATIONS))],
                    hourly_rate=Decimal(rate) * Decimal(rng.choice(["0.9", "1.0", "1.0", "1.1", "1.2"])),
                    status=status,
                    opening_hours=hours,
                    approval=approval,
                    submitted_at=submitted,
                    decided_at=None if approval == MachineApproval.PENDING else submitted + timedelta(days=2),
                    decision_reason="计量证书过期，请更新后重新提交"
                    if approval == MachineApproval.REJECTED
                    else "",
                )
            )
    created = Machine.objects.bulk_create(machines, ignore_conflicts=True, batch_size=500)
    stdout.write(
        f"  {cluster.slug}: {Machine.objects.filter(cluster=cluster).count()} machines ({len(created)} offered)"
    )


def _seed_bookings(cluster: Cluster, smes: list, stdout) -> None:
    tz = timezone.get_default_timezone()
    today = timezone.localdate()
    booked_machine_ids = set(
        Booking.objects.filter(cluster=cluster).values_list("machine_id", flat=True).distinct()
    )
    machines = Machine.objects.filter(
        cluster=cluster, approval=MachineApproval.APPROVED, status=MachineStatus.ONLINE
    ).exclude(pk__in=booked_machine_ids)
    sme_users = _first_user_by_enterprise([m.enterprise_id for m in smes])
    bookings = []
    for machine in machines.order_by("asset_code"):
        # One generator per machine: a machine that drew no bookings draws none again on a re-run.
        rng = random.Random(f"{cluster.slug}:{machine.asset_code}")
        windows = {day: hours for day, hours in machine.opening_hours.items()}
        # Past four weeks and the next two: a handful of bookings each, none overlapping.
        for day_offset in sorted(rng.sample(range(-28, 14), k=rng.randint(2, 8))):
            day = today + timedelta(days=day_offset)
            window = windows.get(("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()])
            if not window:
                continue
            opens = int(window[0][:2])
            closes = int(window[1][:2]) if window[1] != "24:00" else 24
            length = rng.choice([1, 2, 2, 3, 4, 8])
            if closes - opens < length:
                continue
            start_hour = rng.randint(opens, closes - length)
            start = datetime.combine(day, time(start_hour), tzinfo=tz)
            sme = smes[rng.randrange(len(smes))].enterprise
            if day_offset < 0:
                status = BookingStatus.CANCELLED if rng.random() < 0.08 else BookingStatus.CONFIRMED
            else:
                status = rng.choice(
                    [BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.CONFIRMED]
                )
            bookings.append(
                Booking(
                    cluster=cluster,
                    machine=machine,
                    sme=sme,
                    booked_by_id=sme_users.get(sme.pk),
                    start=start,
                    end=start + timedelta(hours=length),
                    purpose=rng.choice(
                        ["工程样品流片", "可靠性测试", "小批量试产", "器件结构仿真", "客户送样检测"]
                    ),
                    status=status,
                    hourly_rate=machine.hourly_rate,
                    decided_at=start - timedelta(days=1) if status == BookingStatus.CONFIRMED else None,
                    cancelled_at=start - timedelta(days=2) if status == BookingStatus.CANCELLED else None,
                    cancelled_by_party="sme" if status == BookingStatus.CANCELLED else "",
                )
            )
    Booking.objects.bulk_create(bookings, batch_size=1000)
    stdout.write(f"  {cluster.slug}: {Booking.objects.filter(cluster=cluster).count()} machine bookings")


# The target state of each seeded engagement, and the path of (action, party) that leads there.
PATHS = [
    ("completed", [("accept", "partner"), ("start", "partner"), ("deliver", "partner"), ("confirm", "sme")]),
    ("completed", [("accept", "partner"), ("start", "partner"), ("deliver", "partner"), ("confirm", "sme")]),
    ("completed", [("accept", "partner"), ("start", "partner"), ("deliver", "partner"), ("confirm", "sme")]),
    ("in_progress", [("accept", "partner"), ("start", "partner")]),
    ("requested", []),
    ("delivered", [("accept", "partner"), ("start", "partner"), ("deliver", "partner")]),
    ("accepted", [("accept", "partner")]),
    ("disputed", [("accept", "partner"), ("start", "partner"), ("deliver", "partner"), ("dispute", "sme")]),
    ("declined", [("decline", "partner")]),
    ("cancelled", [("cancel", "sme")]),
]
COMMENTS = {
    5: "响应快、方案落地，团队专业，推荐。",
    4: "整体满意，交付文档可以更详细。",
    3: "基本达到预期，沟通效率一般。",
    2: "进度有延误，部分需求未覆盖。",
}


def _seed_engagements(cluster: Cluster, rng: random.Random, stdout) -> int:
    offerings = list(
        Offering.objects.filter(cluster=cluster, status=OfferingStatus.PUBLISHED).order_by(
            "created_at", "id"
        )[:12]
    )
    smes = _members(cluster, MembershipRole.SME)
    if not offerings or not smes:
        return 0
    users = _first_user_by_enterprise([o.partner_id for o in offerings] + [m.enterprise_id for m in smes])
    created = 0
    for index, offering in enumerate(offerings):
        candidates = [m.enterprise for m in smes if m.enterprise_id != offering.partner_id]
        for step in range(2):
            if not candidates:
                break
            sme = candidates[(index * 2 + step) % len(candidates)]
            if Engagement.objects.filter(cluster=cluster, offering=offering, sme=sme).exists():
                continue
            target, path = PATHS[(index * 2 + step) % len(PATHS)]
            in_use = Engagement.objects.filter(offering=offering, status__in=flow.CAPACITY_STATES).count()
            if target in flow.CAPACITY_STATES and in_use >= offering.capacity:
                target, path = PATHS[0]
            with transaction.atomic():
                engagement = Engagement.objects.create(
                    cluster=cluster,
                    offering=offering,
                    sme=sme,
                    partner_id=offering.partner_id,
                    message="希望了解服务方案与报价，可安排线下调研。",
                    status=target,
                )
                moments = [timezone.now() - timedelta(days=40 - 6 * i) for i in range(len(path) + 1)]
                events = [
                    EngagementEvent(
                        cluster=cluster,
                        engagement=engagement,
                        action="request",
                        from_status="",
                        to_status=flow.REQUESTED,
                        actor_id=users.get(sme.pk),
                        actor_party="sme",
                    )
                ]
                state = flow.REQUESTED
                for action, party in path:
                    transition = flow.find_transition(state, action, party)
                    events.append(
                        EngagementEvent(
                            cluster=cluster,
                            engagement=engagement,
                            action=action,
                            from_status=state,
                            to_status=transition.target,
                            actor_id=users.get(sme.pk if party == "sme" else offering.partner_id),
                            actor_party=party,
                            reason="交付物缺少测试报告" if action == "dispute" else "",
                        )
                    )
                    state = transition.target
                for event, moment in zip(EngagementEvent.objects.bulk_create(events), moments, strict=True):
                    EngagementEvent.objects.filter(pk=event.pk).update(created_at=moment)
                if target == flow.COMPLETED:
                    rating = rng.choice([5, 5, 4, 4, 4, 3, 2])
                    Review.objects.create(
                        cluster=cluster,
                        engagement=engagement,
                        offering=offering,
                        partner_id=offering.partner_id,
                        sme=sme,
                        author_id=users.get(sme.pk),
                        rating=rating,
                        comment=COMMENTS[rating],
                    )
                    offering_rating_refresh(offering_id=offering.pk)
                    partner_rating_refresh(cluster=cluster, partner_id=offering.partner_id)
                created += 1
    return created


def seed(*, stdout) -> None:
    rng = random.Random(2026)
    clusters = {c.slug: c for c in Cluster.objects.filter(slug__in=DEMO_CLUSTERS)}
    wuxi = clusters.get("wuxi-iot")
    if wuxi is None:
        stdout.write("  wuxi-iot is missing: no machine fleet seeded")
    else:
        partners = _members(wuxi, MembershipRole.PARTNER)
        smes = _members(wuxi, MembershipRole.SME)
        if not partners:
            stdout.write("  wuxi-iot has no approved partners: no machine fleet seeded")
        else:
            with transaction.atomic():
                _seed_fleet(wuxi, partners, rng, stdout)
                if smes:
                    _seed_bookings(wuxi, smes, stdout)
    for slug in DEMO_CLUSTERS:
        cluster = clusters.get(slug)
        if cluster is None:
            continue
        created = _seed_engagements(cluster, rng, stdout)
        total = Engagement.objects.filter(cluster=cluster).count()
        if total:
            stdout.write(
                f"  {slug}: {total} engagements ({created} new), {Review.objects.filter(cluster=cluster).count()} reviews"
            )
        else:
            stdout.write(f"  {slug}: no published offerings or SME members yet: no engagements seeded")
