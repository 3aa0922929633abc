"""XLSX exports too large for a web request: a 202 and a job a worker writes, polled and
downloaded by the person who asked, scoped to the cluster, never written twice."""

import io
import os
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from openpyxl import load_workbook

from cluster_platform.celery import app as celery_app
from console.api.tasks import export_job_run, export_jobs_sweep
from console.models import ExportJob
from console.services.exports import export_job_request, export_jobs_purge
from enterprises.models import Membership
from tests.cluster_platform.factories import ClusterFactory, ClusterStaffFactory
from tests.console import stats_world
from tests.enterprises.factories import MembershipFactory
from tests.matching.test_worker import _start_worker, _stop, _wait

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    settings.EXPORT_XLSX_MAX_ROWS_IN_REQUEST = 3
    return stats_world.build()


def _sheet(body: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _export(client, cluster, **params):
    return client.get(
        f"/api/v1/clusters/{cluster.slug}/exports/members/xlsx/", params, HTTP_ACCEPT_LANGUAGE="en"
    )


def test_a_large_xlsx_export_is_written_by_a_worker_and_downloaded_when_done(
    world, client_for, settings, django_capture_on_commit_callbacks
):
    viewer = ClusterStaffFactory(cluster=world.a, role="viewer").user
    client = client_for(viewer)
    approved = Membership.objects.filter(cluster=world.a, status="approved").count()
    assert approved > settings.EXPORT_XLSX_MAX_ROWS_IN_REQUEST

    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        accepted = _export(client, world.a, status="approved")
        again = _export(client, world.a, status="approved")
    assert accepted.status_code == again.status_code == 202
    job = accepted.json()
    assert again.json()["id"] == job["id"]  # the same request while it waits: the same job
    assert (job["status"], job["rows_total"], job["download"]) == ("queued", approved, None)
    assert accepted["Location"].endswith(f"/api/v1/clusters/{world.a.slug}/export-jobs/{job['id']}/")
    too_early = client.get(f"/api/v1/clusters/{world.a.slug}/export-jobs/{job['id']}/download/")
    assert too_early.status_code == 409

    for callback in enqueued:  # the commit: the worker's turn
        callback()
    polled = client.get(accepted["Location"]).json()
    assert (polled["status"], polled["rows_done"], polled["progress"]) == ("done", approved, 1.0)
    download = client.get(polled["download"])
    assert download.status_code == 200
    rows = _sheet(b"".join(download.streaming_content))
    # The same file the request itself writes below the threshold: the list's filters, the
    # requester's language.
    settings.EXPORT_XLSX_MAX_ROWS_IN_REQUEST = 10_000
    direct = _export(client, world.a, status="approved")
    assert direct.status_code == 200
    assert rows == _sheet(b"".join(direct.streaming_content))
    assert rows[0][:2] == ["enterprise", "unified social credit code"]
    assert len(rows) == approved + 1 and {row[3] for row in rows[1:]} == {"approved"}


def test_a_job_is_its_requesters_and_its_clusters(world, client_for, django_capture_on_commit_callbacks):
    admin = ClusterStaffFactory(cluster=world.a, role="admin").user
    with django_capture_on_commit_callbacks(execute=True):
        job_id = _export(client_for(admin), world.a).json()["id"]
    colleague = client_for(ClusterStaffFactory(cluster=world.a, role="admin").user)
    for path in ("", "download/"):
        assert (
            colleague.get(f"/api/v1/clusters/{world.a.slug}/export-jobs/{job_id}/{path}").status_code == 404
        )
    assert colleague.get(f"/api/v1/clusters/{world.a.slug}/export-jobs/").json()["count"] == 0
    other = client_for(ClusterStaffFactory(cluster=world.b, role="admin").user)
    assert other.get(f"/api/v1/clusters/{world.b.slug}/export-jobs/{job_id}/").status_code == 404
    assert other.get(f"/api/v1/clusters/{world.a.slug}/export-jobs/{job_id}/").status_code == 403
    mine = client_for(admin).get(f"/api/v1/clusters/{world.a.slug}/export-jobs/").json()
    assert [row["id"] for row in mine["results"]] == [job_id]


def test_bad_filters_are_refused_before_any_job(world, client_for):
    client = client_for(ClusterStaffFactory(cluster=world.a).user)
    response = _export(client, world.a, status="maybe")
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "status"
    assert not ExportJob.objects.exists()


def test_a_lost_job_is_enqueued_again_and_written_once(world):
    staff = ClusterStaffFactory(cluster=world.a).user
    job = export_job_request(
        cluster=world.a,
        user=staff,
        export="members",
        filters={"status": ["pending"]},
        language="en",
        rows_total=2,
    )
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    assert export_jobs_sweep() == 1  # the broker was down when it was sent: the sweep sends it again
    job.refresh_from_db()
    pending = Membership.objects.filter(cluster=world.a, status="pending").count()
    assert job.status == "done" and job.rows_done == pending == 1
    first = (job.file.name, job.finished_at)
    export_job_run(str(job.pk))  # delivered twice: nothing is written again
    job.refresh_from_db()
    assert (job.file.name, job.finished_at) == first
    assert export_jobs_sweep() == 0


def test_old_jobs_go_with_their_files(world, settings):
    staff = ClusterStaffFactory(cluster=world.a).user
    job = export_job_request(
        cluster=world.a, user=staff, export="offerings", filters={}, language="zh-hans", rows_total=1
    )
    export_job_run(str(job.pk))
    job.refresh_from_db()
    assert default_storage.exists(job.file.name)
    assert export_jobs_purge() == 0
    later = timezone.now() + timedelta(days=settings.EXPORT_JOB_KEEP_DAYS, minutes=1)
    assert export_jobs_purge(now=later) == 1
    assert not ExportJob.objects.exists() and not default_storage.exists(job.file.name)


def test_the_workers_know_the_export_tasks_and_beat_schedules_them(settings):
    celery_app.loader.import_default_modules()  # what a worker imports at start (CELERY_IMPORTS)
    for entry in ("console-export-jobs-sweep", "console-export-jobs-purge"):
        assert settings.CELERY_BEAT_SCHEDULE[entry]["task"] in celery_app.tasks


@pytest.mark.worker
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real worker on Redis (REDIS_URL)")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_file_the_web_process_serves(client_for, settings):
    settings.EXPORT_XLSX_MAX_ROWS_IN_REQUEST = 3
    cluster = ClusterFactory()
    for _ in range(5):
        MembershipFactory(cluster=cluster, status="approved")
    client = client_for(ClusterStaffFactory(cluster=cluster).user)
    accepted = client.get(f"/api/v1/clusters/{cluster.slug}/exports/members/xlsx/")
    assert accepted.status_code == 202
    worker = _start_worker("celery", f"exports-{cluster.slug}")
    try:
        done = _wait(
            lambda: client.get(accepted["Location"]).json()["status"] == "done", timeout=90, step=0.2
        )
        assert done, "the worker never wrote the file"
    finally:
        _stop(worker)
    rows = _sheet(b"".join(client.get(client.get(accepted["Location"]).json()["download"]).streaming_content))
    assert len(rows) == 1 + 5
