"""Celery tasks of proactive policy matching: thin, by id, idempotent (notifications dedup)."""

from celery import shared_task

from enterprises.models import Enterprise
from policies.models import Policy
from policies.services_matching import (
    enterprise_notify_eligible,
    policies_expire,
    policies_remind_closing,
    policy_notify_eligible,
)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def policy_match_published(policy_id: str) -> dict:
    policy = Policy.objects.filter(id=policy_id).first()
    if policy is None:
        return {"matched": 0, "notified": 0}
    outcome = policy_notify_eligible(policy=policy)
    return {"matched": outcome.matched, "notified": outcome.notified}


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def enterprise_reevaluate(enterprise_id: str) -> dict:
    enterprise = Enterprise.objects.filter(id=enterprise_id).first()
    if enterprise is None:
        return {"matched": 0, "notified": 0}
    outcome = enterprise_notify_eligible(enterprise=enterprise)
    return {"matched": outcome.matched, "notified": outcome.notified}


@shared_task(acks_late=True)
def policies_expire_daily() -> int:
    return policies_expire()


@shared_task(acks_late=True)
def policies_remind_closing_daily() -> dict:
    outcome = policies_remind_closing()
    return {"matched": outcome.matched, "notified": outcome.notified}
