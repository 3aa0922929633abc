"""Thin Celery tasks: they take ids and call matching.services; every one is idempotent.

Follow-up tasks go to the queue the current task came from, so a run stays on one queue.
"""

from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from matching import services


def _queue(task) -> str | None:
    info = getattr(task.request, "delivery_info", None) or {}
    return info.get("routing_key") or None


# A message lost at enqueue time (broker down) is not kept by the outbox: the resume sweep finds the
# pending run itself.
@shared_task(bind=True, ignore_result=True, soft_time_limit=540, time_limit=600, keep_when_broker_down=False)
def match_run_plan_task(self, run_id: str) -> None:
    try:
        services.match_run_plan(run_id=run_id, queue=_queue(self))
    except SoftTimeLimitExceeded:
        # Planning is all in memory until its last transaction: nothing half-written to undo.
        services.match_run_fail(run_id=run_id, message="Scoring exceeded its time limit.")


@shared_task(bind=True, ignore_result=True, soft_time_limit=60, time_limit=90)
def match_chunk_write_task(self, chunk_id: int) -> int:
    return services.match_chunk_write(chunk_id=chunk_id)


@shared_task(bind=True, ignore_result=True, soft_time_limit=60, time_limit=90)
def match_runs_resume_task(self, stale_after_seconds: int | None = None) -> int:
    """The periodic sweep (beat); `stale_after_seconds` overrides how long a run may sit still."""
    stale_after = (
        services.STALE_AFTER if stale_after_seconds is None else timedelta(seconds=stale_after_seconds)
    )
    return services.match_runs_resume(stale_after=stale_after, queue=_queue(self))


@shared_task(bind=True, ignore_result=True, soft_time_limit=540, time_limit=600)
def matching_weights_learn_task(self) -> int:
    """Nightly (beat): every cluster with feedback learns its weights; idempotent (a re-run learns the same)."""
    return services.matching_weights_learn_all()
