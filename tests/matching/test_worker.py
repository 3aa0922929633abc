"""A real Celery worker on Redis is killed (SIGKILL) in the middle of a match run; another one
finishes it, with exactly the recommendations an uninterrupted run writes."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from cluster_platform.celery import app as celery_app
from matching import engine
from matching.models import MatchChunk, MatchRun, MatchRunStatus, Recommendation
from matching.selectors import matching_inputs_load
from matching.services import match_run_start
from matching.tasks import match_runs_resume_task
from tests.cluster_platform.factories import ClusterFactory
from tests.matching.factories import partner_member, sme_member
from tests.services.factories import CategoryFactory, DemandFactory, OfferingFactory

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real worker on Redis (REDIS_URL)"),
]

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


def _start_worker(queue: str, name: str) -> subprocess.Popen:
    settings = connection.settings_dict
    database_url = "postgres://{user}@{host}:{port}/{name}".format(
        user=settings["USER"],
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        name=settings["NAME"],
    )
    if settings.get("PASSWORD"):
        database_url = database_url.replace("@", f":{settings['PASSWORD']}@", 1)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,  # the test database pytest-django created
        "DJANGO_SETTINGS_MODULE": "cluster_platform.settings.test",
        "CONN_MAX_AGE": "0",
    }
    return subprocess.Popen(
        [
            str(CELERY),
            "-A",
            "cluster_platform",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-n",
            f"{name}@%h",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _wait(predicate, timeout: float, step: float = 0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _purge(queue: str) -> None:
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_delete(queue)


@pytest.mark.django_db(transaction=True)
def test_killed_worker_mid_run_then_the_run_completes_exactly():
    cluster = ClusterFactory()
    category = CategoryFactory(code="worker-test")
    partners = [partner_member(cluster) for _ in range(4)]
    for index in range(12):
        OfferingFactory(cluster=cluster, partner=partners[index % 4], category=category, capacity=50)
    smes = [sme_member(cluster) for _ in range(10)]
    for index in range(70):
        DemandFactory(cluster=cluster, sme=smes[index % 10], categories=[category])

    queue = f"test-matching-{uuid.uuid4().hex[:12]}"  # nobody else consumes this queue
    first = _start_worker(queue, f"first-{queue}")
    second = None
    try:
        run = match_run_start(cluster=cluster, chunk_size=1, queue=queue)  # 80 subjects: 80 chunks

        def partly_written():
            current = MatchRun.objects.get(pk=run.pk)
            return current.status == MatchRunStatus.WRITING and current.chunks_done >= 3

        assert _wait(partly_written, timeout=90), "the first worker never got going"
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        killed = MatchRun.objects.get(pk=run.pk)
        assert killed.status == MatchRunStatus.WRITING
        assert 3 <= killed.chunks_done < killed.chunks_total == 80
        # Every chunk is whole or absent: written chunks hold their rows, the others none.
        written = MatchChunk.objects.filter(run=run, done_at__isnull=False).count()
        assert written == killed.chunks_done
        assert Recommendation.objects.filter(run=run).count() == killed.recommendations_count

        second = _start_worker(queue, f"second-{queue}")
        # The periodic sweep (here run at once, on the test's queue) re-enqueues the chunk the
        # dead worker held unacknowledged; the queued ones are simply consumed.
        match_runs_resume_task.apply_async(kwargs={"stale_after_seconds": 0}, queue=queue)

        def completed():
            current = MatchRun.objects.get(pk=run.pk)
            return current if current.status == MatchRunStatus.COMPLETED else None

        done = _wait(completed, timeout=120, step=0.1)
        assert done is not None, "the run did not complete after the restart"
    finally:
        for process in (first, second):
            if process is not None:
                _stop(process)
        _purge(queue)

    assert done.chunks_done == done.chunks_total == 80
    # 12 offerings x 50 free slots, fewer than the 80 x 10 wanted: capacity decides, not the worker.
    assert 400 < done.recommendations_count <= 600
    rows = set(
        Recommendation.objects.filter(cluster=cluster).values_list(
            "demand_id", "sme_id", "offering_id", "rank"
        )
    )
    assert len(rows) == Recommendation.objects.filter(cluster=cluster).count() == done.recommendations_count

    # What an uninterrupted run plans for this cluster, from the pure engine.
    inputs = matching_inputs_load(cluster=cluster, scope=[])
    assigned = engine.match(
        inputs.offerings, inputs.subjects, inputs.weights, top_n=inputs.top_n, slots=inputs.slots
    )
    expected = set()
    for index, subject in enumerate(inputs.subjects):
        kind, _, subject_id = subject.key.partition(":")
        for rank, match in enumerate(assigned.get(index, []), start=1):
            expected.add(
                (
                    uuid.UUID(subject_id) if kind == "demand" else None,
                    uuid.UUID(subject.sme_id),
                    uuid.UUID(inputs.offerings[match.offering].id),
                    rank,
                )
            )
    assert rows == expected
