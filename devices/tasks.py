"""Thin periodic tasks: partitions ahead and retention, offline sweep and alarm evaluation."""

from celery import shared_task

from devices.services.alarms import alarm_rules_evaluate
from devices.services.partitions import telemetry_partitions_maintain
from devices.services.status import devices_mark_offline


@shared_task(acks_late=True)
def telemetry_partitions_maintain_task() -> dict:
    return telemetry_partitions_maintain()


@shared_task(acks_late=True, soft_time_limit=25, time_limit=28)
def devices_watch_task() -> dict:
    """Every 30 s: silent devices go offline, then the alarm rules are evaluated (idempotent)."""
    offline = devices_mark_offline()
    return {"offline": offline, **alarm_rules_evaluate()}
