import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken
from knox.settings import knox_settings

from cluster_platform.models import AuditLog, Cluster, Notification, User
from cluster_platform.password_guesses import password_guess_record

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


@dataclass(frozen=True)
class NotificationDraft:
    """One notification for `notification_send_many`: ids and plain values, so that a job
    notifying thousands of users never loads their rows."""

    user_id: uuid.UUID
    kind: str
    title: str
    dedup_key: str
    body: str = ""
    # The address to email, or "" for in-app only (the caller already has it from its query).
    email: str = ""
    cluster_id: uuid.UUID | None = None
    target_type: str = ""
    target_id: str = ""


NOTIFICATION_BATCH_SIZE = 2000


def notification_send_many(
    *, notifications: Iterable[NotificationDraft], batch_size: int = NOTIFICATION_BATCH_SIZE
) -> int:
    """Notify many users at once, each at most once per `dedup_key`, as `notification_send` does
    for one; returns how many notifications were new.

    Rows are inserted with `bulk_create` in batches (a conflicting user and key is skipped, not
    an error), and only the users newly notified are emailed: after commit, all of a batch's
    emails through one connection. Email is best effort; the in-app notification is the record.
    """
    created = 0
    batch: list[NotificationDraft] = []
    for draft in notifications:
        batch.append(draft)
        if len(batch) >= batch_size:
            created += _notification_batch_send(batch)
            batch = []
    if batch:
        created += _notification_batch_send(batch)
    return created


def _notification_batch_send(batch: list[NotificationDraft]) -> int:
    rows = [
        Notification(
            id=uuid.uuid4(),
            user_id=draft.user_id,
            cluster_id=draft.cluster_id,
            kind=draft.kind,
            title=draft.title[:255],
            body=draft.body,
            target_type=draft.target_type,
            target_id=draft.target_id,
            dedup_key=draft.dedup_key,
        )
        for draft in batch
    ]
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        # The ids are ours, so the rows found are exactly those this call inserted; a conflicting
        # row (already notified, or a concurrent run) has another id.
        new_ids = set(
            Notification.objects.filter(id__in=[row.id for row in rows]).values_list("id", flat=True)
        )
        emails = [
            (draft.email, draft.title, draft.body)
            for row, draft in zip(rows, batch, strict=True)
            if row.id in new_ids and draft.email
        ]
        if emails:
            transaction.on_commit(lambda: _notification_emails_send(emails))
    return len(new_ids)


def _notification_emails_send(emails: list[tuple[str, str, str]]) -> None:
    messages = [
        EmailMessage(title, body, settings.DEFAULT_FROM_EMAIL, [email]) for email, title, body in emails
    ]
    try:
        with get_connection(fail_silently=True) as connection:
            connection.send_messages(messages)
    except Exception:  # email is best effort: the in-app notification is the record
        logger.exception("sending %d notification emails failed", len(messages))


# --- Accounts ---------------------------------------------------------------------------------


PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()-]{4,30}$")


def _clean_phone(phone: str) -> str:
    """Mobile (13800000000), landline (0510-85123456) or international (+86 138 0000 0000)."""
    phone = phone.strip()
    if phone and not PHONE_RE.match(phone):
        raise ValidationError(
            {"phone": [_("Enter a phone number: digits, spaces, hyphens and an optional +.")]}
        )
    return phone


def user_register(*, email: str, name: str, password: str, phone: str = "") -> User:
    """Create a platform account. The password goes through the configured validators, which
    see the email and name too (so "zhang.wei@..." cannot use "zhangwei1" as a password)."""
    email = User.objects.normalize_email(email.strip()).lower()
    name = name.strip()
    errors = {}
    try:
        phone = _clean_phone(phone)
    except ValidationError as error:
        errors.update(error.message_dict)
    candidate = User(email=email, name=name, phone=phone.strip())
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = [_("An account with this email address already exists.")]
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:  # a concurrent registration with the same email won the race
        raise ValidationError({"email": [_("An account with this email address already exists.")]}) from None
    return candidate


def user_profile_update(*, user: User, name: str | None = None, phone: str | None = None) -> User:
    changed = []
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError({"name": [_("A name is required.")]})
        user.name = name
        changed.append("name")
    if phone is not None:
        user.phone = _clean_phone(phone)
        changed.append("phone")
    if changed:
        user.save(update_fields=changed)
    return user


@transaction.atomic
def user_password_change(*, user: User, current_password: str, new_password: str, keep_token=None) -> User:
    """Change the password and sign out every other session: whoever knew the old password
    must not keep a token minted with it. The token making the request (`keep_token`) survives.
    A wrong current password counts as a password guess against the account (whoever holds a
    stolen session must not be able to guess the password through this door)."""
    if not user.check_password(current_password):
        password_guess_record(account=user.email)
        raise ValidationError({"current_password": [_("The current password is not correct.")]})
    try:
        password_validation.validate_password(new_password, user=user)
    except ValidationError as error:
        raise ValidationError({"new_password": list(error.messages)}) from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    tokens = AuthToken.objects.filter(user=user)
    if keep_token is not None:
        tokens = tokens.exclude(pk=keep_token.pk)
    tokens.delete()
    return user


@transaction.atomic
def auth_token_create(*, user: User) -> tuple[AuthToken, str]:
    """Mint a knox token (only its digest is stored). Expired tokens are purged, and at the
    per-user limit the oldest session is signed out rather than refusing to sign in."""
    now = timezone.now()
    AuthToken.objects.filter(user=user, expiry__lt=now).delete()
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    if limit is not None:
        live = list(AuthToken.objects.filter(user=user).order_by("-created").values_list("pk", flat=True))
        if len(live) >= limit:
            AuthToken.objects.filter(pk__in=live[limit - 1 :]).delete()
    instance, token = AuthToken.objects.create(user=user)
    User.objects.filter(pk=user.pk).update(last_login=now)
    return instance, token


def auth_token_revoke(*, token: AuthToken) -> None:
    token.delete()


def auth_token_revoke_all(*, user: User) -> int:
    deleted, _per_model = AuthToken.objects.filter(user=user).delete()
    return deleted


# --- Notifications ----------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of `user` read; returns how many changed."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
