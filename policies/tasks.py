from celery import shared_task

from policies import services


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def policy_import_job_run(job_id: str) -> str | None:
    """Import the file of one PolicyImportJob; safe to run again (finished jobs are skipped)."""
    job = services.policy_import_job_run(job_id=job_id)
    return job.status if job is not None else None
