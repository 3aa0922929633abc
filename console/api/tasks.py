"""The XLSX export job's tasks. They live in the HTTP layer because the job's rows are the list's
rows under the list's filters (FilterSets, which only the `api` packages may import); the tasks
stay thin: load the job, resolve its rows as the request would have, call the service.
Workers import this module through the CELERY_IMPORTS setting."""

from dataclasses import dataclass

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import translation

from cluster_platform.models import Cluster
from cluster_platform.selectors import ClusterRoles
from console.api.exports import EXPORTS_BY_NAME, Export
from console.models import UNFINISHED, ExportJob
from console.selectors.exports import export_header, export_rows
from console.services.exports import export_job_fail, export_job_write, export_jobs_stalled
from enterprises.selectors.roles import cluster_roles_for


@dataclass(frozen=True)
class _ListView:
    """What a list's filters read from their view: the cluster, and the caller's roles in it."""

    cluster: Cluster
    roles: ClusterRoles


class _RequesterContext:
    """The request the filters would have seen: its user, and the view under parser_context."""

    def __init__(self, job: ExportJob):
        self.user = job.requested_by
        roles = cluster_roles_for(user=job.requested_by, cluster=job.cluster)
        self.parser_context = {"view": _ListView(cluster=job.cluster, roles=roles)}


def _job_rows(export: Export, job: ExportJob):
    queryset = export.base_rows(job.cluster).filter(export.cluster_condition(job.cluster))
    if export.filterset is None:
        return queryset
    params = QueryDict(mutable=True)
    for name, values in job.filters.items():
        params.setlist(name, values)
    filterset = export.filterset(data=params, queryset=queryset, request=_RequesterContext(job))
    if not filterset.is_valid():
        raise ValidationError(filterset.errors.as_text())
    return filterset.qs


@shared_task(
    acks_late=True,
    soft_time_limit=settings.EXPORT_JOB_TIME_LIMIT_S,
    time_limit=settings.EXPORT_JOB_TIME_LIMIT_S + 60,
)
def export_job_run(job_id: str) -> None:
    """Write one export job's file; a job already done or being written is left alone."""
    job = ExportJob.objects.select_related("cluster", "requested_by").filter(pk=job_id).first()
    if job is None or job.status not in UNFINISHED:
        return
    export = EXPORTS_BY_NAME.get(job.export)
    try:
        if export is None:
            raise ValidationError(f"No export named {job.export!r}.")
        with translation.override(job.language):
            rows = export_rows(_job_rows(export, job), columns=export.columns, order=export.order)
            export_job_write(
                job_id=job.pk, header=export_header(export.columns), rows=rows, sheet_title=str(export.title)
            )
    except ValidationError as error:  # the filters no longer apply (an export renamed, a choice gone)
        export_job_fail(job_id=job.pk, failure="; ".join(error.messages))
    except Exception as error:
        export_job_fail(job_id=job.pk, failure=f"{type(error).__name__}: {error}")
        raise


@shared_task
def export_jobs_sweep() -> int:
    """Enqueue again the export jobs whose task was lost (run by beat)."""
    stalled = export_jobs_stalled()
    for job_id in stalled:
        export_job_run.delay(str(job_id))
    return len(stalled)
