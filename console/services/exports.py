"""XLSX exports too large for a web request: the job, its file, and their clean-up.

The export view validates the filters and counts the rows; above EXPORT_XLSX_MAX_ROWS_IN_REQUEST
it asks for a job here and answers 202. A worker (console/api/tasks.py, which resolves the rows
the way the view would) writes the file through `export_job_write`; the requester polls the job
and downloads the file, which is kept EXPORT_JOB_KEEP_DAYS days.
"""

import tempfile
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from cluster_platform.models import Cluster
from console.models import UNFINISHED, ExportJob, ExportJobStatus
from console.spreadsheets import xlsx_write

PROGRESS_EVERY_ROWS = 2000


def export_job_request(
    *, cluster: Cluster, user, export: str, filters: dict, language: str, rows_total: int
) -> ExportJob:
    """A new job for this export, or the unfinished one of the same request (same person,
    export, filters and language), so that a repeated request does not write the file twice."""
    same = {
        "cluster": cluster,
        "requested_by": user,
        "export": export,
        "filters": filters,
        "language": language,
    }
    existing = ExportJob.objects.filter(**same, status__in=UNFINISHED).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return ExportJob.objects.create(**same, rows_total=rows_total)
    except IntegrityError:  # the same request, a moment earlier, in another process
        return ExportJob.objects.get(**same, status__in=UNFINISHED)


def export_job_write(
    *, job_id, header: list[str], rows: Iterable[tuple], sheet_title: str
) -> ExportJob | None:
    """Write the job's file. A job done or being written is left alone (a task delivered twice,
    or enqueued again by the sweep while still waiting in the queue); one running for longer than
    a task may is written again from the start (its worker was lost)."""
    now = timezone.now()
    started = (
        ExportJob.objects.filter(pk=job_id)
        .filter(
            Q(status=ExportJobStatus.QUEUED)
            | Q(status=ExportJobStatus.RUNNING, started_at__lt=now - _lost_after())
        )
        .update(status=ExportJobStatus.RUNNING, started_at=now, rows_done=0)
    )
    if not started:
        return None
    job = ExportJob.objects.get(pk=job_id)
    rows_written = 0

    def counting(rows):
        nonlocal rows_written
        for row in rows:
            yield row
            rows_written += 1
            if rows_written % PROGRESS_EVERY_ROWS == 0:
                ExportJob.objects.filter(pk=job_id).update(rows_done=rows_written)

    # openpyxl needs the whole sheet before it can close the zip archive: a temporary file keeps
    # the memory flat, and the storage copies it in chunks.
    with tempfile.TemporaryFile() as target:
        xlsx_write(header, counting(rows), target, sheet_title=sheet_title)
        target.seek(0)
        previous = job.file.name
        job.file.save(f"{job.export}.xlsx", File(target), save=False)
    if previous:
        job.file.storage.delete(previous)
    job.status = ExportJobStatus.DONE
    job.rows_done = job.rows_total = rows_written
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "rows_done", "rows_total", "file", "finished_at", "updated_at"])
    return job


def export_job_fail(*, job_id, failure: str) -> None:
    ExportJob.objects.filter(pk=job_id, status__in=UNFINISHED).update(
        status=ExportJobStatus.FAILED, failure=failure[:2000], finished_at=timezone.now()
    )


def _lost_after() -> timedelta:
    # Longer than the task's hard time limit: a job running this long has no worker any more.
    return timedelta(seconds=settings.EXPORT_JOB_TIME_LIMIT_S + 300)


def export_jobs_stalled(*, now=None) -> list:
    """Jobs whose task was lost: queued for minutes (the broker was down when it was sent), or
    running longer than a task may (its worker died)."""
    now = now or timezone.now()
    stalled = ExportJob.objects.filter(
        Q(status=ExportJobStatus.QUEUED, created_at__lt=now - timedelta(minutes=10))
        | Q(status=ExportJobStatus.RUNNING, started_at__lt=now - _lost_after())
    )
    return list(stalled.order_by("created_at").values_list("pk", flat=True))


def export_jobs_purge(*, now=None) -> int:
    """Delete the jobs older than EXPORT_JOB_KEEP_DAYS and their files."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.EXPORT_JOB_KEEP_DAYS)
    purged = 0
    for job in ExportJob.objects.filter(created_at__lt=cutoff).order_by("pk").iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        purged += 1
    return purged
