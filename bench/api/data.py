"""The data both servers read: a realistic catalog and policy library, and the bare tables copied from them.

- Catalog: one cluster (`bench`) whose partners (approved members, a few of them suspended)
  publish BENCH_OFFERINGS offerings over the service taxonomy, with tags, target industries and
  regions, prices and ratings; some offerings are drafts, pending or withdrawn and a few carry a
  pending revision, as in a live catalog. A second cluster holds offerings of its own, so that
  the cluster filter has rows to leave out.
- Policy library: BENCH_POLICIES generated policies (policies/library_generator.py) imported
  through the real import service (segmentation, search vectors, identities).
- Bare tables: `bench_bare_offering` holds exactly the rows the public catalog lists (same
  columns, category and partner as plain keys instead of nested objects) and
  `bench_bare_policy` the published library with the columns the policy list shows; each with
  a primary key and, for policies, the same "newest first" index the library has.
"""

import random
from datetime import timedelta
from decimal import Decimal

CLUSTER_SLUG = "bench"
OTHER_CLUSTER_SLUG = "bench-other"
PARTNERS = 200
SUSPENDED_PARTNERS = 10
BATCH = 2000

BARE_OFFERING_TABLE = "bench_bare_offering"
BARE_POLICY_TABLE = "bench_bare_policy"
# The public list's columns, with the two relations as their keys.
BARE_OFFERING_COLUMNS = [
    "id",
    "title",
    "summary",
    "description",
    "category_id",
    "partner_id",
    "delivery_mode",
    "target_industries",
    "target_size_classes",
    "regions_served",
    "maturity_levels",
    "price_model",
    "price_min",
    "price_max",
    "voucher_eligible",
    "capacity",
    "tags",
    "status",
    "published_at",
    "rating_count",
    "rating_mean",
    "rating_bayes",
    "created_at",
    "updated_at",
]
BARE_POLICY_COLUMNS = [
    "id",
    "title",
    "document_number",
    "issuer",
    "level",
    "region_code",
    "cluster_id",
    "published_on",
    "application_opens",
    "application_closes",
    "valid_from",
    "valid_until",
    "categories",
    "summary",
    "benefit_type",
    "max_amount",
    "status",
]


def build(*, offerings: int, policies: int, out) -> dict:
    """Build whatever is missing (a kept database already holds it) and return the row counts."""
    from cluster_platform.models import Cluster

    if not Cluster.objects.filter(slug=CLUSTER_SLUG).exists():
        _catalog(offerings=offerings, out=out)
    from policies.models import Policy

    if not Policy.objects.filter(cluster__isnull=True).exists():
        _policy_library(count=policies, out=out)
    _bare_tables()
    return _counts()


def _catalog(*, offerings: int, out) -> None:
    from django.db import connection
    from django.utils import timezone

    from cluster_platform.models import Cluster
    from cluster_platform.search import tsvector_literal
    from demo.catalog import GD_CLUSTERS, GD_TEMPLATES, WUXI_SEGMENTS, WUXI_SERVICES
    from enterprises.models import Enterprise, Membership, MembershipRole, MembershipStatus
    from enterprises.uscc import uscc_compose
    from services.models import Offering, OfferingRevision, OfferingStatus, PriceModel

    rng = random.Random("bench:api")
    cluster = Cluster.objects.create(
        slug=CLUSTER_SLUG, name="基准物联网集群", region_code="320214", agency_name="基准集群促进中心"
    )
    other = Cluster.objects.create(
        slug=OTHER_CLUSTER_SLUG, name="基准箱包集群", region_code="440100", agency_name="基准箱包促进中心"
    )
    partners = Enterprise.objects.bulk_create(
        [
            Enterprise(
                uscc=uscc_compose(region_code="320214", serial=810_000 + n),
                name=f"基准数字化服务商{n}有限公司",
                region_code="320214",
                industry_code="I65",
            )
            for n in range(PARTNERS)
        ]
    )
    suspended = set(range(PARTNERS - SUSPENDED_PARTNERS, PARTNERS))
    Membership.objects.bulk_create(
        [
            Membership(
                cluster=target,
                enterprise=partner,
                role=MembershipRole.PARTNER,
                status=MembershipStatus.SUSPENDED if n in suspended else MembershipStatus.APPROVED,
            )
            for target in (cluster, other)
            for n, partner in enumerate(partners)
        ]
    )

    industries = [(name, codes) for name, codes, _special in GD_CLUSTERS.values()]
    pieces = [(spec[0], spec[1], spec[2], spec[3], spec[4], spec[5], spec[6]) for spec in WUXI_SERVICES]
    for name, _codes in industries:
        pieces += [
            (spec[0], spec[1].format(ind=name), spec[2].format(ind=name), *spec[3:7]) for spec in GD_TEMPLATES
        ]
    regions = ["320214", "320200", "320000", "440100", "440000"]
    now = timezone.now()
    statuses = (
        [OfferingStatus.PUBLISHED] * 90
        + [
            OfferingStatus.DRAFT,
            OfferingStatus.PENDING,
            OfferingStatus.WITHDRAWN,
        ]
        * 3
        + [OfferingStatus.REJECTED]
    )
    rows, vectors = [], []
    for n in range(offerings + offerings // 5):
        target = cluster if n < offerings else other
        category, title, summary, delivery, price_model, price, tags = rng.choice(pieces)
        edition = rng.choice(WUXI_SEGMENTS)
        extra = rng.choice(pieces)
        status = rng.choice(statuses)
        created = now - timedelta(days=rng.uniform(0, 900))
        price_min = None if price_model in (PriceModel.FREE, PriceModel.QUOTE) else Decimal(price or 1000)
        offering = Offering(
            cluster=target,
            partner=partners[n % PARTNERS],
            category_id=category,
            title=f"{title}（{edition[0]}·{n}）",
            summary=summary,
            description=(
                f"{summary}。可与{extra[1]}配合使用：{extra[2]}。"
                "服务流程：需求调研、方案设计、实施交付、培训运维。"
            ),
            delivery_mode=delivery,
            target_industries=edition[2] if rng.random() < 0.6 else [],
            target_size_classes=rng.sample(["micro", "small", "medium"], k=rng.randint(0, 2)),
            regions_served=rng.sample(regions, k=rng.randint(0, 2)),
            maturity_levels=sorted(rng.sample([1, 2, 3, 4], k=rng.randint(0, 3))),
            price_model=price_model,
            price_min=price_min,
            price_max=price_min * 3 if price_min is not None and rng.random() < 0.5 else None,
            voucher_eligible=rng.random() < 0.4,
            capacity=rng.randint(1, 20),
            tags=[*tags, edition[1][:8]],
            status=status,
            published_at=created + timedelta(days=2) if status == OfferingStatus.PUBLISHED else None,
            submitted_at=created + timedelta(days=1) if status != OfferingStatus.DRAFT else None,
            rating_count=(count := rng.randint(0, 40)),
            rating_mean=round(rng.uniform(3, 5), 2) if count else 0,
            rating_bayes=round(rng.uniform(3, 4.6), 3) if count else 0,
        )
        offering.created_at = created
        rows.append(offering)
        vectors.append(
            tsvector_literal(
                [
                    ("A", offering.title),
                    ("B", summary),
                    ("B", " ".join(offering.tags)),
                    ("C", offering.description),
                ]
            )
        )
    Offering.objects.bulk_create(rows, batch_size=BATCH)
    # bulk_create leaves auto_now_add to the database default; the creation dates spread over
    # years, as in a catalog that has grown, so that "newest first" sorts real differences.
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE services_offering SET search_vector = %s::tsvector, created_at = %s WHERE id = %s",
            [(vector, row.created_at, row.id) for vector, row in zip(vectors, rows, strict=True)],
        )
    published = [
        row for row in rows if row.status == OfferingStatus.PUBLISHED and row.cluster_id == cluster.id
    ]
    OfferingRevision.objects.bulk_create(
        [
            OfferingRevision(cluster=cluster, offering=row, data={"title": f"{row.title}（新版）"})
            for row in rng.sample(published, k=min(len(published), max(1, offerings // 50)))
        ]
    )
    print(f"catalog: {len(rows)} offerings in 2 clusters, {PARTNERS} partners", file=out, flush=True)


def _policy_library(*, count: int, out) -> None:
    import io

    from cluster_platform.celery import app as celery_app
    from policies.importing import parse_file
    from policies.library_generator import generate_policies, write_jsonl
    from policies.services import policy_import_rows

    buffer = io.StringIO()
    write_jsonl(generate_policies(count, seed=2026), buffer)
    rows = parse_file(buffer.getvalue().encode(), "jsonl")
    # Publishing queues each batch's reverse matches for the eligibility side; this process has no
    # broker (the servers have), so they are held in memory and dropped, as bench/policies does.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        outcome = policy_import_rows(rows=rows, cluster=None)
    finally:
        celery_app.conf.task_always_eager = eager
    print(f"policy library: {outcome.created} policies imported", file=out, flush=True)


def _bare_tables() -> None:
    """Copy the rows the two project lists serve into plain tables, through the project's own selectors."""
    from django.db import connection

    from cluster_platform.models import Cluster
    from cluster_platform.selectors import ANONYMOUS_ROLES
    from policies.selectors import policy_library_list
    from services.selectors.offerings import offering_visible

    cluster = Cluster.objects.get(slug=CLUSTER_SLUG)
    visible = offering_visible(cluster=cluster, roles=ANONYMOUS_ROLES).order_by()
    offering_sql, offering_params = visible.values(*BARE_OFFERING_COLUMNS).query.sql_with_params()
    library = policy_library_list(user=None).order_by()
    policy_sql, policy_params = library.values(*BARE_POLICY_COLUMNS).query.sql_with_params()
    with connection.cursor() as cursor:
        for table in (BARE_OFFERING_TABLE, BARE_POLICY_TABLE):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {BARE_OFFERING_TABLE} AS {offering_sql}", offering_params)
        cursor.execute(f"ALTER TABLE {BARE_OFFERING_TABLE} ADD PRIMARY KEY (id)")
        # The catalog's own "newest" index (offering_newest, without the cluster the copy lacks).
        cursor.execute(
            f"CREATE INDEX {BARE_OFFERING_TABLE}_newest ON {BARE_OFFERING_TABLE} "
            "(published_at DESC NULLS LAST, created_at DESC, id)"
        )
        cursor.execute(f"CREATE TABLE {BARE_POLICY_TABLE} AS {policy_sql}", policy_params)
        cursor.execute(f"ALTER TABLE {BARE_POLICY_TABLE} ADD PRIMARY KEY (id)")
        # The library's own "newest first" index (policy_recent).
        cursor.execute(
            f"CREATE INDEX {BARE_POLICY_TABLE}_recent ON {BARE_POLICY_TABLE} (published_on DESC NULLS LAST, id)"
        )
        # Both sides start from tables with fresh statistics and visibility maps (bulk-loaded rows
        # would otherwise wait for autovacuum, at a moment that differs between the two).
        for table in ("services_offering", "policies_policy", BARE_OFFERING_TABLE, BARE_POLICY_TABLE):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _counts() -> dict:
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for name, table in (("offerings", BARE_OFFERING_TABLE), ("policies", BARE_POLICY_TABLE)):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[name] = cursor.fetchone()[0]
    return counts
