"""Celery tasks of the policies app: thin, by id, idempotent.

Imports re-run a finished job as a no-op; the eligibility notifications carry dedup keys, so a
redelivered match or reminder task never notifies anyone twice.
"""

from celery import shared_task

from enterprises.models import Enterprise
from policies import services
from policies.eligibility.notifications import (
    enterprise_notify_eligible,
    policies_notify_eligible,
    policies_remind_closing,
    policy_notify_eligible,
)
from policies.models import Policy

# --- Import jobs -------------------------------------------------------------------------------


# A message lost at upload time (broker down) is not kept by the outbox: the sweep below finds the
# pending job itself.
@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900, keep_when_broker_down=False)
def policy_import_job_run(job_id: str) -> str | None:
    """Import the file of one PolicyImportJob; safe to run again (finished jobs are skipped)."""
    job = services.policy_import_job_run(job_id=job_id)
    return job.status if job is not None else None


@shared_task
def policy_import_jobs_sweep(
    pending_after_minutes: int = services.STALLED_PENDING_MINUTES,
    running_after_minutes: int = services.STALE_RUNNING_MINUTES,
) -> int:
    """Re-enqueue import jobs whose task never arrived, and fail those whose run died (run by beat
    with the defaults; the arguments say how long a job may sit still)."""
    services.policy_import_jobs_fail_stale(older_than_minutes=running_after_minutes)
    stalled = services.policy_import_jobs_stalled(older_than_minutes=pending_after_minutes)
    for job in stalled:
        policy_import_job_run.delay(str(job.pk))
    return len(stalled)


# --- Eligibility notifications ------------------------------------------------------------------


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def policy_match_published(policy_id: str) -> dict:
    policy = Policy.objects.filter(id=policy_id).first()
    if policy is None:
        return {"matched": 0, "notified": 0}
    outcome = policy_notify_eligible(policy=policy)
    return {"matched": outcome.matched, "notified": outcome.notified}


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def policies_match_published(policy_ids: list[str]) -> dict:
    """The reverse match of one import batch (or any set published together), set-based."""
    policies = list(Policy.objects.filter(id__in=policy_ids).order_by("pk"))
    outcome = policies_notify_eligible(policies=policies)
    return {"matched": outcome.matched, "notified": outcome.notified}


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def enterprise_reevaluate(enterprise_id: str) -> dict:
    enterprise = Enterprise.objects.filter(id=enterprise_id).first()
    if enterprise is None:
        return {"matched": 0, "notified": 0}
    outcome = enterprise_notify_eligible(enterprise=enterprise)
    return {"matched": outcome.matched, "notified": outcome.notified}


# --- Daily jobs (beat) ------------------------------------------------------------------------


@shared_task(acks_late=True)
def policies_expire_daily() -> int:
    return services.policies_expire()


@shared_task(acks_late=True)
def policies_remind_closing_daily() -> dict:
    outcome = policies_remind_closing()
    return {"matched": outcome.matched, "notified": outcome.notified}
