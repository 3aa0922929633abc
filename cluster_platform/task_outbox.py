"""Follow-up work that is not lost when the broker (Redis) is down at enqueue time.

Changes enqueue their follow-up tasks after commit (`delay_on_commit`, `apply_async_on_commit`). If
Redis refuses the message at that moment, the change is already committed: raising would only turn
the user's success into a 500 and drop the work. `OutboxTask`, the base class of every task (set in
`cluster_platform/celery.py`), therefore never raises from an on-commit send. Instead:

- a task whose work is recorded nowhere else (the reverse match of a published policy, the
  re-evaluation of an enterprise whose profile changed) is kept in PostgreSQL as a `DeferredTask`
  row, and `deferred_tasks_send` (beat's `deferred-tasks-send`, every minute) sends the kept
  messages, oldest first, once the broker takes messages again;
- a task whose job row is already swept (`keep_when_broker_down = False`: the policy import, the
  match run's planning) is only logged: its own sweep finds the pending job and enqueues it again.

Tasks are idempotent (docs/architecture.md#celery), so a message sent twice is harmless. Not
covered: the web process dying between its commit and the send, or PostgreSQL refusing the row as
well; the job-row sweeps still find their jobs in those cases.
"""

import functools
import logging

from celery.contrib.django.task import DjangoTask
from django.db import transaction

logger = logging.getLogger(__name__)

# Messages sent per sweep run; the rest wait a minute for the next run.
SEND_BATCH = 1000


class OutboxTask(DjangoTask):
    """The platform's task class: on-commit sends never fail the committed change."""

    # Whether a message the broker refused after commit is kept for `deferred_tasks_send`. False
    # for tasks whose job row has a sweep of its own, which would otherwise run them twice.
    keep_when_broker_down = True

    def delay_on_commit(self, *args, **kwargs) -> None:
        transaction.on_commit(functools.partial(self.send_after_commit, args, kwargs, {}))

    def apply_async_on_commit(self, args=None, kwargs=None, **options) -> None:
        transaction.on_commit(functools.partial(self.send_after_commit, args or (), kwargs or {}, options))

    def send_after_commit(self, args, kwargs, options) -> None:
        if self.app.conf.task_always_eager:
            # In-process (no REDIS_URL, the test suite): no broker to fail, and the task's own
            # errors must surface as before.
            self.apply_async(args, kwargs, **options)
            return
        try:
            self.apply_async(args, kwargs, **options)
        except Exception as error:  # noqa: BLE001 - whatever the broker raised, the change stands
            task_refused_keep(task=self, args=args, kwargs=kwargs, queue=options.get("queue"), error=error)


def task_refused_keep(*, task, args, kwargs, queue: str | None, error: Exception) -> None:
    """Record a message the broker refused, unless the task's own sweep will find its work."""
    if not task.keep_when_broker_down:
        logger.warning(
            "The broker refused %s%s (%s); its job's sweep will enqueue it again.",
            task.name,
            list(args),
            error,
        )
        return
    from cluster_platform.models import DeferredTask

    try:
        DeferredTask.objects.create(
            task=task.name, args=list(args), kwargs=dict(kwargs), queue=queue or "", error=str(error)[:2000]
        )
    except Exception:
        # PostgreSQL failed as well: nothing else can keep it, so say exactly what was lost.
        logger.exception(
            "Lost task %s args=%r kwargs=%r: the broker and the database both refused it",
            task.name,
            args,
            kwargs,
        )
        return
    logger.warning(
        "The broker refused %s%s (%s); kept for the deferred-task sweep.", task.name, list(args), error
    )


def deferred_tasks_send(*, limit: int = SEND_BATCH) -> int:
    """Send the kept messages, oldest first, and forget those sent; returns how many were sent.

    Stops at the first refusal (the broker is still down) and keeps the rest for the next run.
    Rows are locked with SKIP LOCKED, so two sweeps running at once never send one message twice.
    """
    from cluster_platform.celery import app
    from cluster_platform.models import DeferredTask

    # The tasks modules a worker imports at start-up, so that every task name resolves here too.
    app.loader.import_default_modules()
    sent: list[int] = []
    with transaction.atomic():
        for row in DeferredTask.objects.select_for_update(skip_locked=True).order_by("id")[:limit]:
            task = app.tasks.get(row.task)
            if task is None:
                # A task renamed or removed by a deployment since: kept, and said loudly, for an operator.
                logger.error("Deferred task %s (id %s) names no known task; kept.", row.task, row.pk)
                continue
            options = {"queue": row.queue} if row.queue else {}
            try:
                task.apply_async(row.args, row.kwargs, **options)
            except Exception as error:  # noqa: BLE001 - the broker is still down: try next run
                DeferredTask.objects.filter(pk=row.pk).update(
                    attempts=row.attempts + 1, error=str(error)[:2000]
                )
                logger.warning(
                    "Deferred tasks: the broker still refuses messages (%s); retrying next run.", error
                )
                break
            sent.append(row.pk)
        DeferredTask.objects.filter(pk__in=sent).delete()
    if sent:
        logger.info("Deferred tasks: sent %d kept message(s).", len(sent))
    return len(sent)
