"""Background work scoped to a cluster writes into that cluster only.

Tasks take ids; a match run, a chunk of one, a policy import or a reverse policy match of
cluster B must leave cluster A's rows as they were, and must not leave rows in B that point at
A's offerings, demands, runs or policies (the harness's digest of A and its cross-cluster
reference counts say both).
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from cluster_platform.models import Notification
from matching import tasks as matching_tasks
from matching.models import MatchChunk, MatchRun, MatchRunStatus, Recommendation
from policies.models import Policy, PolicyImportJob, PolicyStatus
from policies.tasks import policy_import_job_run, policy_match_published
from services.models import Demand, DemandStatus, Offering, OfferingStatus
from tests.services.factories import CategoryFactory, DemandFactory, OfferingFactory
from tests.tenancy.harness.victims import victim_of
from tests.tenancy.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def victim(world):
    return victim_of(world)


@pytest.fixture
def b_catalog(world):
    """A published offering and an open demand in B, in the category of A's."""
    category = CategoryFactory(code="world-matching")
    offering = OfferingFactory(cluster=world.b.cluster, partner=world.b.partner, category=category)
    demand = DemandFactory(cluster=world.b.cluster, sme=world.b.sme, categories=[category])
    return offering, demand


def _a_offering(world):
    return Offering.objects.filter(cluster=world.a.cluster, status=OfferingStatus.PUBLISHED).first()


def _a_demand(world):
    demand = Demand.objects.filter(cluster=world.a.cluster).first()
    Demand.objects.filter(pk=demand.pk).update(status=DemandStatus.OPEN)
    return demand


def test_a_match_run_of_b_recommends_only_bs_offerings_for_bs_demands(
    world, victim, b_catalog, client_for, django_capture_on_commit_callbacks
):
    offering, demand = b_catalog
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.b.operator).post(f"/api/v1/clusters/{world.b.cluster.slug}/match-runs/")

    assert response.status_code == 202
    run = MatchRun.objects.get(pk=response.json()["id"])
    assert run.status == MatchRunStatus.COMPLETED
    written = Recommendation.objects.filter(run=run)
    assert written.filter(offering=offering, demand=demand).exists()
    assert not written.exclude(offering__cluster=world.b.cluster).exists()
    assert not written.exclude(demand=None).exclude(demand__cluster=world.b.cluster).exists()
    assert victim.changed_since_baseline() == []


def test_a_scoped_run_of_b_naming_as_rows_touches_nothing_of_a(world, victim, b_catalog):
    """An event run whose scope names A's demand, SME and offering (ids mixed up by a caller)."""
    scope = [
        f"demand:{_a_demand(world).pk}",
        f"sme:{world.a.sme.pk}",
        f"offering:{_a_offering(world).pk}",
    ]
    run = MatchRun.objects.create(cluster=world.b.cluster, trigger="event", scope=scope)
    victim.baseline = victim.snapshot()  # A's demand was reopened above

    matching_tasks.match_run_plan_task.apply(args=[str(run.pk)])
    for chunk_id in run.chunks.values_list("pk", flat=True):
        matching_tasks.match_chunk_write_task.apply(args=[chunk_id])

    assert not Recommendation.objects.filter(run=run).exclude(offering__cluster=world.b.cluster).exists()
    assert victim.changed_since_baseline() == []


def test_a_chunk_of_b_that_names_as_demand_or_offering_writes_nothing_that_points_at_a(
    world, victim, b_catalog
):
    """The chunk writer trusts no id in its payload: only B's open demands and B's published
    offerings are written into B, and A's recommendations are not deleted."""
    offering, demand = b_catalog
    a_demand, a_offering = _a_demand(world), _a_offering(world)
    victim.baseline = victim.snapshot()
    run = MatchRun.objects.create(cluster=world.b.cluster, trigger="manual", status=MatchRunStatus.WRITING)

    def line(demand_id, sme, offering_id, partner, score):
        # The chunk payload's format (matching.services._planned_chunks): one tab-separated line
        # per recommendation, best first within each subject.
        return f"{demand_id or ''}\t{sme.pk}\t{offering_id}\t{partner.pk}\t{score!r}\t{{}}"

    payload = [
        line(a_demand.pk, world.a.sme, offering.pk, world.b.partner, 0.9),  # A's demand
        line(demand.pk, world.b.sme, a_offering.pk, world.a.partner, 0.8),  # A's offering
        line(demand.pk, world.b.sme, offering.pk, world.b.partner, 0.7),
        line(None, world.a.sme, a_offering.pk, world.a.partner, 0.8),  # A's SME and offering
    ]
    chunk = MatchChunk.objects.create(
        cluster=world.b.cluster,
        run=run,
        index=0,
        demand_ids=[a_demand.pk, demand.pk],
        sme_ids=[world.a.sme.pk],
        payload="\n".join(payload),
    )

    matching_tasks.match_chunk_write_task.apply(args=[chunk.pk])

    written = Recommendation.objects.filter(run=run)
    assert list(written.values_list("demand", "offering", "rank")) == [(demand.pk, offering.pk, 1)]
    assert victim.changed_since_baseline() == []


def test_a_cluster_policy_import_writes_only_that_clusters_local_policies(
    world, victim, client_for, django_capture_on_commit_callbacks
):
    """B's agency imports a file holding the very identity of A's local policies: B gets its own
    rows, A's stay as they were, the library gets nothing."""
    a_policies = list(Policy.objects.filter(cluster=world.a.cluster))
    library = set(Policy.objects.filter(cluster=None).values_list("pk", flat=True))
    rows = [
        {
            "title": policy.title,
            "document_number": policy.document_number,
            "issuer": policy.issuer,
            "level": policy.level,
            "region_code": policy.region_code,
            "published_on": "2025-01-01",
            "summary": "B集群的版本",
            "status": PolicyStatus.PUBLISHED,
        }
        for policy in a_policies
    ]
    content = ("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n").encode()
    url = f"/api/v1/clusters/{world.b.cluster.slug}/policy-imports/"

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.b.operator).post(
            url, {"file": SimpleUploadedFile("local.jsonl", content)}, format="multipart"
        )

    assert response.status_code == 202
    job = PolicyImportJob.objects.get(pk=response.json()["id"])
    assert job.cluster == world.b.cluster and job.rows_failed == 0
    assert Policy.objects.filter(cluster=world.b.cluster).count() == len(a_policies)
    assert set(Policy.objects.filter(cluster=None).values_list("pk", flat=True)) == library
    assert victim.changed_since_baseline() == []


def test_rerunning_as_import_job_by_id_changes_nothing(world, victim):
    job = PolicyImportJob.objects.get(cluster=world.a.cluster)

    policy_import_job_run.apply(args=[str(job.pk)])

    assert victim.changed_since_baseline() == []


def test_the_reverse_match_of_as_local_policy_notifies_no_one_outside_a(world, victim):
    """A's published local policy applies to A's approved members only: B's people, even an
    enterprise in both regions, hear nothing of it."""
    policy = Policy.objects.filter(cluster=world.a.cluster, status=PolicyStatus.PUBLISHED).first()
    outsiders = [world.b.user_for(role) for role in ("sme", "partner", "admin", "operator", "viewer")]

    policy_match_published.apply(args=[str(policy.pk)])

    assert not Notification.objects.filter(user__in=outsiders).exists()
