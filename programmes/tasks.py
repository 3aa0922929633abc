"""Thin Celery tasks for programmes: the daily voucher expiry (scheduled by beat)."""

from celery import shared_task

from programmes.services.vouchers import vouchers_expire


@shared_task(name="programmes.tasks.vouchers_expire_daily")
def vouchers_expire_daily() -> int:
    """Idempotent: an expired voucher is no longer a candidate, so a re-run expires nothing twice."""
    return vouchers_expire()
