from celery import shared_task

from policies import services


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def policy_import_job_run(job_id: str) -> str | None:
    """Import the file of one PolicyImportJob; safe to run again (finished jobs are skipped)."""
    job = services.policy_import_job_run(job_id=job_id)
    return job.status if job is not None else None


@shared_task
def policy_import_jobs_sweep() -> int:
    """Re-enqueue import jobs whose task never arrived (run by beat)."""
    stalled = services.policy_import_jobs_stalled()
    for job in stalled:
        policy_import_job_run.delay(str(job.pk))
    return len(stalled)
