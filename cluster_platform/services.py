import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction

from cluster_platform.models import AuditLog, Cluster, Notification

logger = logging.getLogger(__name__)


def audit_record(
    *,
    cluster: Cluster,
    actor,
    action: str,
    target: models.Model,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditLog:
    """Record one agency decision. Call it inside the transaction that makes the change,
    so that the entry exists exactly when the change does."""
    return AuditLog.objects.create(
        cluster=cluster,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:255],
        before=before or {},
        after=after or {},
    )


def notification_send(
    *,
    user,
    kind: str,
    title: str,
    body: str = "",
    dedup_key: str,
    cluster: Cluster | None = None,
    target: models.Model | None = None,
    email: bool = True,
) -> Notification | None:
    """Notify one user in-app (and by email), at most once per `dedup_key`.

    Returns the new notification, or None when this user already had one with this key, so a
    retried or re-run task never notifies twice. The email is sent after commit.
    """
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user,
                cluster=cluster,
                kind=kind,
                title=title[:255],
                body=body,
                target_type=target._meta.label_lower if target is not None else "",
                target_id=str(target.pk) if target is not None else "",
                dedup_key=dedup_key,
            )
    except IntegrityError:
        return None
    if email and user.email:
        transaction.on_commit(
            lambda: send_mail(title, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=True)
        )
    return notification
