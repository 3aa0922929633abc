"""A world built for the KPIs: two clusters with rows of every kind the figures count, placed in
known months, plus rows that must not count (pending, rejected, draft, withdrawn, inactive, the
other cluster's). Cluster B gets a different number of everything, so a figure that mixes the
two clusters cannot come out right by accident.

`expected()` computes every figure again in plain Python from the rows, as the definitions in
docs/console.md state them: the independent computation the tests compare the API with.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import mean

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from cluster_platform.models import Cluster, ClusterStaff, Notification, StaffRole, User
from devices.models import Device, DeviceHourly
from enterprises.models import Assessment, Enterprise, EnterpriseUser, Membership
from matching.models import Recommendation
from policies.models import Policy
from programmes.models import LedgerEntry, Voucher, VoucherClaim, VoucherProgramme
from programmes.services.claims import claim_approve, claim_submit
from programmes.services.vouchers import voucher_approve, voucher_redeem, voucher_reject
from services.models import (
    Booking,
    Category,
    Demand,
    Engagement,
    EngagementEvent,
    Machine,
    Offering,
    Review,
)
from tests.cluster_platform.factories import ClusterFactory, ClusterStaffFactory
from tests.devices.factories import DeviceFactory, DeviceTypeFactory
from tests.enterprises.factories import EnterpriseFactory, EnterpriseUserFactory, MembershipFactory
from tests.programmes.factories import VoucherFactory, VoucherProgrammeFactory
from tests.services.factories import EngagementFactory

MONTHS = 6
RECENT_DAYS = 7
PROOF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
APPLICATION_ROOTS = {"cloud-saas", "industrial-internet", "ai"}


def months() -> list[date]:
    """The six months the tests ask for, the current one last."""
    current = timezone.localdate().replace(day=1)
    result = [current]
    while len(result) < MONTHS:
        first = result[0]
        result.insert(0, date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1))
    return result


def at(index: int, day: int = 10, hour: int = 12) -> datetime:
    """A moment in month `index` of the range (negative: before it)."""
    first = months()[0]
    month = first.month - 1 + index
    year = first.year + month // 12
    return datetime(year, month % 12 + 1, day, hour, tzinfo=timezone.get_default_timezone())


def month_end(index: int) -> datetime:
    return at(index + 1, day=1, hour=0)


def _set(obj, **fields):
    """Put auto timestamps where the scenario needs them."""
    type(obj).objects.filter(pk=obj.pk).update(**fields)
    for name, value in fields.items():
        setattr(obj, name, value)
    return obj


@dataclass
class StatsWorld:
    a: Cluster
    b: Cluster
    shared: Enterprise


def _member(cluster, *, role="sme", status="approved", joined=0, tier="", users=1, **fields):
    enterprise = EnterpriseFactory(**fields)
    membership = MembershipFactory(
        cluster=cluster, enterprise=enterprise, role=role, status=status, partner_tier=tier
    )
    _set(membership, created_at=at(joined - 1), decided_at=at(joined) if status != "pending" else None)
    for _n in range(users):
        link = EnterpriseUserFactory(enterprise=enterprise)
        _set(link.user, date_joined=at(joined - 1, day=3))
    return enterprise


def _offering(cluster, partner, *, category, mode="online", status="published", month=0):
    offering = Offering.objects.create(
        cluster=cluster,
        partner=partner,
        category_id=category,
        title=f"{cluster.slug} {category} {mode} {month}",
        summary="服务",
        delivery_mode=mode,
        price_model="quote",
        status=status,
        published_at=at(month) if status in ("published", "withdrawn") else None,
    )
    return offering


def _populate(cluster: Cluster, k: int, other: Cluster) -> dict:
    """Rows of one cluster; `k` (1 for A, 2 for B) scales how many of each."""
    people = {}
    for role in StaffRole.values:
        staff = ClusterStaffFactory(cluster=cluster, role=role)
        _set(staff.user, date_joined=at(-2))
        people[role] = staff.user
    smes = [
        _member(
            cluster,
            joined=i % MONTHS,
            size_class=["small", "micro", "medium", ""][i % 4],
            industry_code=["C39", "C3982", "I65", "M73"][i % 4],
            region_code=["320214", "320211", "440106"][i % 3],
        )
        for i in range(3 * k)
    ]
    early = _member(cluster, joined=-4)  # joined before the range: in every month's count
    smes.append(early)
    partners = [
        _member(
            cluster,
            role="partner",
            tier=["certified", "strategic", "registered"][i % 3],
            joined=i,
            industry_code="I65",
        )
        for i in range(2 * k)
    ]
    both = partners[0]
    MembershipFactory(
        cluster=cluster, enterprise=both, role="sme", status="approved"
    )  # SME too: counted once
    pending = _member(cluster, status="pending", joined=1, users=2)
    rejected = _member(cluster, status="rejected", joined=2)
    inactive = EnterpriseUserFactory(enterprise=smes[0]).user
    _set(inactive, is_active=False, date_joined=at(0))
    people.update(smes=smes, partners=partners, pending=pending, rejected=rejected)

    # Offerings: published in several roots and modes, and some that do not count.
    categories = [
        "saas-mes",
        "saas-erp",
        "iiot-platform",
        "machine-vision",
        "testing",
        "diagnosis-assessment",
    ]
    modes = ["online", "offline", "hybrid"]
    offerings = [
        _offering(
            cluster,
            partners[i % len(partners)],
            category=categories[i % len(categories)],
            mode=modes[i % 3],
            month=i % MONTHS,
        )
        for i in range(4 * k)
    ]
    _offering(cluster, partners[0], category="saas-crm", status="draft")
    _offering(cluster, partners[0], category="saas-crm", status="withdrawn", month=1)
    _offering(cluster, partners[0], category="testing", status="pending")

    # Engagements: requested in each of the first months; some accepted, fewer completed.
    for i in range(3 * k):
        engagement = Engagement.objects.create(
            cluster=cluster,
            offering=offerings[i % len(offerings)],
            sme=smes[i % len(smes)],
            partner=offerings[i % len(offerings)].partner,
            status="completed" if i % 2 == 0 else "requested",
        )
        _set(engagement, created_at=at(i % 3))
        event = EngagementEvent.objects.create(
            cluster=cluster,
            engagement=engagement,
            action="request",
            from_status="",
            to_status="requested",
            actor_party="sme",
        )
        _set(event, created_at=at(i % 3))
        if i % 2 == 0:
            accepted = EngagementEvent.objects.create(
                cluster=cluster,
                engagement=engagement,
                action="accept",
                from_status="requested",
                to_status="accepted",
                actor_party="partner",
            )
            _set(accepted, created_at=at(i % 3 + 1))
            if i % 4 == 0:
                done = EngagementEvent.objects.create(
                    cluster=cluster,
                    engagement=engagement,
                    action="confirm",
                    from_status="delivered",
                    to_status="completed",
                    actor_party="sme",
                )
                _set(done, created_at=at(i % 3 + 2))
                review = Review.objects.create(
                    cluster=cluster,
                    engagement=engagement,
                    offering=engagement.offering,
                    partner=engagement.partner,
                    sme=engagement.sme,
                    rating=3 + (i + k) % 3,
                )
                _set(review, created_at=at(i % 3 + 2, day=20))

    # Assessments: the first SMEs assess, some twice with a higher level the second time.
    for i, sme in enumerate(smes[: 2 * k]):
        first = Assessment.objects.create(
            cluster=cluster,
            enterprise=sme,
            questionnaire_version="v1",
            answers={},
            score=Decimal("30.0") + i,
            level=1,
        )
        _set(first, created_at=at(i % MONTHS, day=5))
        if i % 2 == 0:
            second = Assessment.objects.create(
                cluster=cluster,
                enterprise=sme,
                questionnaire_version="v1",
                answers={},
                score=Decimal("45.5") + i,
                level=2 + i % 2,
            )
            _set(second, created_at=at(i % MONTHS + 1, day=6))

    # Machines and bookings, one of them across a month's end (its hours are split).
    hours = {day: ["08:00", "18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    machines = []
    for i in range(k + 1):
        machine = Machine.objects.create(
            cluster=cluster,
            partner=partners[0],
            asset_code=f"M{i}",
            name=f"{cluster.slug} 机台{i}",
            kind=["test", "packaging"][i % 2],
            model_name="X",
            location="B2",
            hourly_rate=100,
            status=["online", "offline"][i % 2],
            opening_hours=hours,
            approval="approved",
        )
        _set(machine, created_at=at(i - 1), decided_at=at(i))
        machines.append(machine)
    Machine.objects.create(
        cluster=cluster,
        partner=partners[0],
        asset_code="PENDING",
        name=f"{cluster.slug} 待审机台",
        kind="test",
        model_name="X",
        location="B2",
        hourly_rate=100,
        approval="pending",
        opening_hours=hours,
    )
    for i in range(2 * k):
        Booking.objects.create(
            cluster=cluster,
            machine=machines[i % len(machines)],
            sme=smes[0],
            start=at(i % MONTHS, hour=9),
            end=at(i % MONTHS, hour=12),
            hourly_rate=100,
            status="confirmed",
        )
    Booking.objects.create(
        cluster=cluster,
        machine=machines[0],
        sme=smes[1],
        start=month_end(1) - timedelta(hours=2),
        end=month_end(1) + timedelta(hours=3),
        hourly_rate=100,
        status="confirmed",
    )
    Booking.objects.create(
        cluster=cluster,
        machine=machines[0],
        sme=smes[1],
        start=at(2, hour=14),
        end=at(2, hour=16),
        hourly_rate=100,
        status="requested",
    )

    # Demands (exported, not counted by any figure).
    for i in range(2 * k):
        Demand.objects.create(cluster=cluster, sme=smes[i % len(smes)], title=f"{cluster.slug} 需求 {i}")

    # Recommendations in the months.
    for i in range(2 * k):
        recommendation = Recommendation.objects.create(
            cluster=cluster,
            sme=smes[i % len(smes)],
            offering=offerings[i % len(offerings)],
            partner=offerings[i % len(offerings)].partner,
            rank=1,
            score=0.5,
        )
        _set(recommendation, created_at=at(i % MONTHS))

    # Policies: the cluster's local ones (live, draft) and policy-match notifications.
    today = timezone.localdate()
    local = Policy.objects.create(
        title=f"{cluster.slug} 本地政策",
        issuer="集群",
        level="district",
        cluster=cluster,
        status="published",
        content_hash=f"local-{cluster.slug}",
    )
    Policy.objects.create(
        title=f"{cluster.slug} 草稿",
        issuer="集群",
        level="district",
        cluster=cluster,
        status="draft",
        content_hash=f"draft-{cluster.slug}",
    )
    Policy.objects.create(
        title=f"{cluster.slug} 过期",
        issuer="集群",
        level="district",
        cluster=cluster,
        status="published",
        valid_until=today - timedelta(days=1),
        content_hash=f"old-{cluster.slug}",
    )
    for i, sme in enumerate(smes[:k]):
        _notify_match(sme, local, at(i + 1))
    people["local_policy"] = local

    _devices(cluster, k, smes)
    _vouchers(cluster, k, smes, partners[0], people["admin"])
    return people


def _devices(cluster: Cluster, k: int, smes: list[Enterprise]) -> None:
    """Devices registered over the months (one before them, one revoked since), in three
    states, with hourly message counts in the months and over the last days."""
    types = [DeviceTypeFactory(code="cnc"), DeviceTypeFactory(code="energy_meter")]
    devices = []
    for i in range(3 * k + 1):
        device = DeviceFactory(
            cluster=cluster,
            enterprise=smes[i % len(smes)],
            device_type=types[i % 2],
            status=["online", "offline", "never_seen"][i % 3],
        )
        devices.append(_set(device, created_at=at(i - 1, day=4)))
    revoked = DeviceFactory(cluster=cluster, enterprise=smes[0], device_type=types[0], status="offline")
    devices.append(_set(revoked, created_at=at(0, day=4), revoked_at=at(2, day=15)))
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    counts: dict = Counter()
    for i, device in enumerate(devices):
        counts[(device.pk, at(i % MONTHS, day=11, hour=3))] += 10 * (i + 1)
        # The last days, and one just before the window (eight days ago) that must not count.
        for days_ago in (i % 3, 3 + i % 4, RECENT_DAYS + 1):
            counts[(device.pk, now - timedelta(days=days_ago))] += k * (i + 2)
    DeviceHourly.objects.bulk_create(
        [
            DeviceHourly(cluster=cluster, device_id=device_id, hour=hour, messages=messages)
            for (device_id, hour), messages in counts.items()
        ]
    )


def _vouchers(cluster: Cluster, k: int, smes: list[Enterprise], partner: Enterprise, admin: User) -> None:
    """Voucher programmes run through their services (so the ledger is the real one): vouchers
    applied for, rejected, approved, redeemed on engagements and paid, decided in known months."""
    offering = _offering(cluster, partner, category="saas-mes", month=0)
    Offering.objects.filter(pk=offering.pk).update(voucher_eligible=True)
    offering.refresh_from_db()
    programmes = [
        VoucherProgrammeFactory(
            cluster=cluster, by=admin, budget=Decimal("200000.00") * (n + 1), per_sme_cap=Decimal("50000.00")
        )
        for n in range(k)
    ]
    # The early member's voucher is rejected, then a second one redeemed: its first start of
    # digital transformation is that redemption.
    rejected = VoucherFactory(programme=programmes[0], sme=smes[-1])
    _set(voucher_reject(voucher=rejected, by=admin, reason="材料不全"), decided_at=at(0, day=20))
    for i, sme in enumerate([*smes[: 3 * k], smes[-1]]):
        stage = 2 if sme == smes[-1] else (i + 1) % 4  # 0 applied, 1 approved, 2 redeemed, 3 paid
        voucher = VoucherFactory(programme=programmes[i % k], sme=sme)
        if stage == 0:
            continue
        voucher = _set(voucher_approve(voucher=voucher, by=admin), decided_at=at(i % 3, day=8))
        if stage == 1:
            continue
        engagement = EngagementFactory(
            cluster=cluster, offering=offering, partner=partner, sme=sme, status="accepted"
        )
        voucher = voucher_redeem(
            voucher=voucher, engagement=engagement, contract_price=Decimal("100000.00") + i * 10000, by=None
        )
        voucher = _set(voucher, redeemed_at=at(i % 3 + 1, day=2))
        if stage == 2:
            continue
        _set(engagement, status="completed")
        proof = SimpleUploadedFile("验收报告.pdf", PROOF, content_type="application/pdf")
        claim = claim_submit(voucher=voucher, partner=partner, proof=proof, by=None)
        _set(claim_approve(claim=claim, by=admin), decided_at=at(i % 3 + 2, day=25))


def cluster_delete(cluster: Cluster) -> None:
    """Take a cluster and its rows away, inside a transaction the caller rolls back. The
    voucher ledger is append-only by a trigger and protects the cluster's vouchers and the
    cluster itself: the trigger is lifted for this transaction only."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE programmes_ledgerentry DISABLE TRIGGER programmes_ledger_append_only")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    LedgerEntry.objects.filter(cluster=cluster).delete()
    VoucherClaim.objects.filter(cluster=cluster).delete()
    Voucher.objects.filter(cluster=cluster).delete()
    VoucherProgramme.objects.filter(cluster=cluster).delete()
    Engagement.objects.filter(cluster=cluster).delete()  # they protect the cluster's offerings
    Cluster.objects.filter(pk=cluster.pk).delete()


def _notify_match(enterprise: Enterprise, policy: Policy, when: datetime) -> None:
    for link in EnterpriseUser.objects.filter(enterprise=enterprise):
        note = Notification.objects.create(
            user=link.user,
            cluster=policy.cluster,
            kind="policy_eligible",
            title=policy.title,
            target_type="policy",
            target_id=str(policy.pk),
            dedup_key=f"policy-eligible:{policy.pk}:{enterprise.pk}",
        )
        _set(note, created_at=when)


def build() -> StatsWorld:
    a = ClusterFactory(slug="stats-a", region_code="320214")
    b = ClusterFactory(slug="stats-b", region_code="440106")
    people_a = _populate(a, 1, b)
    people_b = _populate(b, 2, a)
    # An SME that is a member of both: counted once in the group's figures.
    shared = _member(a, joined=1, size_class="medium")
    MembershipFactory(cluster=b, enterprise=shared, role="sme", status="approved")
    # Library policies: national, Jiangsu (A's province), Guangzhou (B's city), elsewhere, a draft.
    for title, region, status in [
        ("全国政策", "", "published"),
        ("江苏省政策", "320000", "published"),
        ("广州市政策", "440100", "published"),
        ("北京市政策", "110000", "published"),
        ("全国草稿", "", "draft"),
    ]:
        Policy.objects.create(
            title=title,
            issuer="部门",
            level="national",
            region_code=region,
            status=status,
            content_hash=title,
        )
    national = Policy.objects.get(title="全国政策")
    _notify_match(people_a["smes"][-1], national, at(3))
    _notify_match(shared, national, at(4))
    # A's member matched to B's local policy: a row of B's, not counted in A's figure.
    _notify_match(people_a["smes"][0], people_b["local_policy"], at(2))
    return StatsWorld(a=a, b=b, shared=shared)


# --- The independent computation ----------------------------------------------------------------


def _in(ids, value):
    return value in ids


def expected(cluster_ids: set, today: date | None = None) -> dict:
    """Every figure for the clusters `cluster_ids`, from the rows, in plain Python."""
    today = today or timezone.localdate()
    ends = [month_end(i) for i in range(MONTHS)]
    bounds = [(at(i, day=1, hour=0), month_end(i)) for i in range(MONTHS)]

    def cumulative(moments: dict) -> list[int]:
        return [sum(1 for moment in moments.values() if moment is not None and moment < end) for end in ends]

    def monthly(moments: list) -> list[int]:
        return [sum(1 for moment in moments if start <= moment < end) for start, end in bounds]

    memberships = [
        m for m in Membership.objects.all() if m.cluster_id in cluster_ids and m.status == "approved"
    ]
    enterprises = {e.pk: e for e in Enterprise.objects.all()}
    joined: dict = {}
    sme_joined: dict = {}
    partner_joined: dict = {}
    for m in memberships:
        moment = m.decided_at or m.created_at
        for target, wanted in ((joined, None), (sme_joined, "sme"), (partner_joined, "partner")):
            if wanted in (None, m.role):
                target[m.enterprise_id] = min(moment, target.get(m.enterprise_id, moment))
    members = [enterprises[pk] for pk in joined]

    def counter(values, blank):
        return dict(sorted(Counter(value or blank for value in values).items()))

    # Users
    member_ids = set(joined)
    links = list(EnterpriseUser.objects.all())
    staff_user_ids = {s.user_id for s in ClusterStaff.objects.all() if s.cluster_id in cluster_ids}
    user_ids = {link.user_id for link in links if link.enterprise_id in member_ids} | staff_user_ids
    users = {u.pk: u.date_joined for u in User.objects.all() if u.pk in user_ids and u.is_active}

    # Transformation
    all_memberships = [m for m in Membership.objects.all() if m.cluster_id in cluster_ids]
    candidate_ids = {m.enterprise_id for m in all_memberships}
    engagements = {e.pk: e for e in Engagement.objects.all()}
    events = [e for e in EngagementEvent.objects.all() if e.cluster_id in cluster_ids]
    assessments = sorted(
        (a for a in Assessment.objects.all() if a.cluster_id in cluster_ids),
        key=lambda a: (a.created_at, str(a.pk)),
    )
    starts: dict = {}
    for event in events:
        if event.to_status == "accepted":
            sme = engagements[event.engagement_id].sme_id
            starts[sme] = min(event.created_at, starts.get(sme, event.created_at))
    by_enterprise: dict = {}
    for assessment in assessments:
        by_enterprise.setdefault(assessment.enterprise_id, []).append(assessment)
        starts[assessment.enterprise_id] = min(
            assessment.created_at, starts.get(assessment.enterprise_id, assessment.created_at)
        )
    vouchers = [v for v in Voucher.objects.all() if v.cluster_id in cluster_ids]
    for voucher in vouchers:
        if voucher.redeemed_at is not None:
            starts[voucher.sme_id] = min(voucher.redeemed_at, starts.get(voucher.sme_id, voucher.redeemed_at))
    starts = {pk: moment for pk, moment in starts.items() if pk in candidate_ids}
    uplifted = {}
    for pk, rows in by_enterprise.items():
        higher = [row for row in rows if row.level > rows[0].level]
        if pk in starts and higher:
            uplifted[pk] = higher[0].created_at

    # Services
    categories = {c.code: c for c in Category.objects.all()}
    published = [o for o in Offering.objects.all() if o.cluster_id in cluster_ids and o.status == "published"]

    def root(offering):
        category = categories[offering.category_id]
        return category.parent_id or category.code

    application = [o for o in published if root(o) in APPLICATION_ROOTS]
    roots = Counter(root(o) for o in published)
    top = sorted(roots.items(), key=lambda item: (-item[1], item[0]))[:10]

    # Machines and bookings
    machines = [m for m in Machine.objects.all() if m.cluster_id in cluster_ids and m.approval == "approved"]
    confirmed = [b for b in Booking.objects.all() if b.cluster_id in cluster_ids and b.status == "confirmed"]
    counts = monthly([b.start for b in confirmed])
    hours = []
    bookable = []
    for start, end in bounds:
        hours.append(
            sum(max(0.0, (min(b.end, end) - max(b.start, start)).total_seconds() / 3600) for b in confirmed)
        )
        total = 0.0
        day = start.date()
        while day < end.date():
            for machine in machines:
                approved_at = machine.decided_at or machine.created_at
                window = machine.opening_hours.get(
                    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][day.weekday()]
                )
                if approved_at < end and window:
                    (oh, om), (ch, cm) = (map(int, window[0].split(":")), map(int, window[1].split(":")))
                    total += (ch * 60 + cm - oh * 60 - om) / 60
            day += timedelta(days=1)
        bookable.append(total)

    def ratio(booked, available):
        return round(booked / available, 4) if available > 0 else None

    # Policies
    clusters = [c for c in Cluster.objects.all() if c.pk in cluster_ids]
    scopes = set()
    for cluster in clusters:
        code = cluster.region_code
        scopes |= {"", f"{code[:2]}0000", f"{code[:4]}00", code}
    live = [
        p
        for p in Policy.objects.all()
        if p.status == "published"
        and (p.valid_from is None or p.valid_from <= today)
        and (p.valid_until is None or p.valid_until >= today)
    ]
    applicable = [
        p for p in live if (p.cluster_id is None and p.region_code in scopes) or p.cluster_id in cluster_ids
    ]
    user_enterprises: dict = {}
    for link in links:
        user_enterprises.setdefault(link.user_id, set()).add(link.enterprise_id)
    matched: dict = {}
    for note in Notification.objects.all():
        if note.kind != "policy_eligible" or not (note.cluster_id is None or note.cluster_id in cluster_ids):
            continue
        enterprise_id = note.dedup_key.rsplit(":", 1)[1]
        for pk in user_enterprises.get(note.user_id, ()):
            if str(pk) == enterprise_id and pk in member_ids:
                matched[pk] = min(note.created_at, matched.get(pk, note.created_at))

    # Funnel and ratings
    recommendations = [r.created_at for r in Recommendation.objects.all() if r.cluster_id in cluster_ids]
    requested = [e.created_at for e in engagements.values() if e.cluster_id in cluster_ids]
    accepted = [e.created_at for e in events if e.to_status == "accepted"]
    completed = [e.created_at for e in events if e.to_status == "completed"]
    reviews = [r for r in Review.objects.all() if r.cluster_id in cluster_ids]

    def average(values):
        return round(float(mean(values)), 2) if values else None

    # Maturity
    latest = {pk: rows[-1] for pk, rows in by_enterprise.items()}
    reassessed = [pk for pk, rows in by_enterprise.items() if len(rows) > 1]
    distribution = {str(level): 0 for level in range(5)}
    distribution.update(Counter(str(row.level) for row in latest.values()))

    # Devices
    devices = [d for d in Device.objects.all() if d.cluster_id in cluster_ids]
    connected = [d for d in devices if d.revoked_at is None]
    hourly = [h for h in DeviceHourly.objects.all() if h.cluster_id in cluster_ids]
    recent = [today - timedelta(days=n) for n in range(RECENT_DAYS - 1, -1, -1)]

    # Vouchers: the money from the vouchers' own states (the figures read the ledger).
    cent = Decimal("0.01")

    def money(amounts) -> str:
        return str(sum(amounts, Decimal("0")).quantize(cent))

    budget = sum(
        (p.budget for p in VoucherProgramme.objects.all() if p.cluster_id in cluster_ids), Decimal("0")
    )
    issued = [v for v in vouchers if v.status not in ("applied", "rejected")]
    redeemed = [v for v in vouchers if v.redeemed_at is not None]
    reserved = [v.amount for v in vouchers if v.status == "approved"]
    committed = [v.subsidy for v in vouchers if v.status in ("redeemed", "claimed")]
    paid = [v.subsidy for v in vouchers if v.status == "paid"]
    paid_claims = [
        c for c in VoucherClaim.objects.all() if c.cluster_id in cluster_ids and c.status == "approved"
    ]

    funnel = {
        "recommended": monthly(recommendations),
        "requested": monthly(requested),
        "accepted": monthly(accepted),
        "completed": monthly(completed),
    }
    return {
        "users": {"total": len(users), "series": cumulative(users)},
        "members": {
            "total": len(members),
            "by_role": dict(
                sorted(
                    Counter(role for (_pk, role) in {(m.enterprise_id, m.role) for m in memberships}).items()
                )
            ),
            "by_size_class": counter((e.size_class for e in members), "unclassified"),
            "by_industry_section": counter((e.industry_code[:1] for e in members), "unknown"),
            "by_region": counter((e.region_code[:4] + "00" for e in members), "unknown"),
            "series": cumulative(joined),
            "sme_series": cumulative(sme_joined),
        },
        "transformation": {
            "started": len(starts),
            "uplifted": len(uplifted),
            "series": cumulative(starts),
            "uplifted_series": cumulative(uplifted),
        },
        "services": {
            "total": len(published),
            "by_delivery_mode": counter((o.delivery_mode for o in published), ""),
            "application_services": len(application),
            "top_categories": [
                {"code": code, "name": categories[code].name, "name_en": categories[code].name_en, "count": n}
                for code, n in top
            ],
            "series": cumulative({o.pk: o.published_at for o in published}),
            "application_series": cumulative({o.pk: o.published_at for o in application}),
        },
        "partners": {
            "total": len(partner_joined),
            "by_tier": counter(
                (
                    m.partner_tier
                    for m in {m.enterprise_id: m for m in memberships if m.role == "partner"}.values()
                ),
                "untiered",
            ),
            "series": cumulative(partner_joined),
        },
        "machines": {
            "total": len(machines),
            "by_status": counter((m.status for m in machines), ""),
            "by_kind": counter((m.kind for m in machines), ""),
            "series": cumulative({m.pk: m.decided_at or m.created_at for m in machines}),
        },
        "bookings": {
            "total": sum(counts),
            "hours": round(sum(hours), 2),
            "utilisation": ratio(sum(hours), sum(bookable)),
            "series": counts,
            "hours_series": [round(h, 2) for h in hours],
            "utilisation_series": [ratio(h, b) for h, b in zip(hours, bookable, strict=True)],
        },
        "policies": {
            "applicable": len(applicable),
            "members_qualifying": len(matched),
            "members_qualifying_series": cumulative(matched),
        },
        "funnel": {
            **{stage: sum(series) for stage, series in funnel.items()},
            **{f"{stage}_series": series for stage, series in funnel.items()},
        },
        "rating": {
            "average": average([r.rating for r in reviews]),
            "count": len(reviews),
            "series": [average([r.rating for r in reviews if s <= r.created_at < e]) for s, e in bounds],
            "count_series": monthly([r.created_at for r in reviews]),
        },
        "devices": {
            "connected": len(connected),
            "online": sum(1 for d in connected if d.status == "online"),
            "by_type": counter((d.device_type_id for d in connected), ""),
            "by_status": counter((d.status for d in connected), ""),
            "series": [
                sum(
                    1 for d in devices if d.created_at < end and (d.revoked_at is None or d.revoked_at >= end)
                )
                for end in ends
            ],
            "messages_series": [sum(h.messages for h in hourly if s <= h.hour < e) for s, e in bounds],
            "messages_per_day": [
                {
                    "date": day.isoformat(),
                    "messages": sum(h.messages for h in hourly if timezone.localtime(h.hour).date() == day),
                }
                for day in recent
            ],
        },
        "vouchers": {
            "programmes": sum(1 for p in VoucherProgramme.objects.all() if p.cluster_id in cluster_ids),
            "budget": money([budget]),
            "available": money([budget, *[-x for x in reserved + committed + paid]]),
            "reserved": money(reserved),
            "committed": money(committed),
            "paid": money(paid),
            "redeemed": money(v.subsidy for v in redeemed),
            "vouchers": len(vouchers),
            "vouchers_issued": len(issued),
            "vouchers_redeemed": len(redeemed),
            "by_status": counter((v.status for v in vouchers), ""),
            "vouchers_issued_series": monthly([v.decided_at for v in issued]),
            "vouchers_redeemed_series": monthly([v.redeemed_at for v in redeemed]),
            "redeemed_series": [
                money(v.subsidy for v in redeemed if s <= v.redeemed_at < e) for s, e in bounds
            ],
            "paid_series": [money(c.amount for c in paid_claims if s <= c.decided_at < e) for s, e in bounds],
        },
        "maturity": {
            "assessed": len(by_enterprise),
            "distribution": distribution,
            "reassessed": len(reassessed),
            "average_uplift": average(
                [float(by_enterprise[pk][-1].score - by_enterprise[pk][0].score) for pk in reassessed]
            ),
            "series": cumulative({pk: rows[0].created_at for pk, rows in by_enterprise.items()}),
            "average_score_series": [
                average([float(a.score) for a in assessments if s <= a.created_at < e]) for s, e in bounds
            ],
        },
    }
