"""Celery tasks of the platform core: thin, idempotent."""

from celery import shared_task

from cluster_platform import task_outbox


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def deferred_tasks_send() -> int:
    """Send the messages the broker refused at enqueue time (run by beat every minute)."""
    return task_outbox.deferred_tasks_send()
