"""Thin Celery tasks for programmes: the daily voucher expiry and partner-programme jobs (beat)."""

from celery import shared_task

from cluster_platform.models import Cluster
from programmes.services.partners import accreditations_expired_notify, tier_proposals_generate
from programmes.services.vouchers import vouchers_expire


@shared_task(name="programmes.tasks.vouchers_expire_daily")
def vouchers_expire_daily() -> int:
    """Idempotent: an expired voucher is no longer a candidate, so a re-run expires nothing twice."""
    return vouchers_expire()


@shared_task(name="programmes.tasks.partner_programme_daily")
def partner_programme_daily() -> dict:
    """Propose tier moves in every active cluster and tell partners whose accreditation ended.

    Idempotent: open proposals are refreshed, notifications are deduplicated by key."""
    proposals = 0
    for cluster in Cluster.objects.filter(is_active=True).order_by("pk"):
        proposals += tier_proposals_generate(cluster=cluster)
    return {"open_proposals": proposals, "expired_notified": accreditations_expired_notify()}
