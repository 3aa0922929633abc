import pytest
from django.core import mail

from cluster_platform.models import Notification
from cluster_platform.services import NotificationDraft, notification_send, notification_send_many
from tests.cluster_platform.factories import ClusterFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


def _send(user, key, **kwargs):
    defaults = {"kind": "membership.approved", "title": f"通知 {key}", "body": "正文", "email": False}
    return notification_send(user=user, dedup_key=key, **{**defaults, **kwargs})


# --- The write service -------------------------------------------------------------------------


def test_notification_send_is_idempotent_per_user_and_key():
    user, other = UserFactory(), UserFactory()

    first = _send(user, "membership:1:approved")
    again = _send(user, "membership:1:approved", title="changed")
    for_other = _send(other, "membership:1:approved")

    assert first is not None and for_other is not None
    assert again is None
    assert Notification.objects.filter(user=user).count() == 1
    assert Notification.objects.get(user=user).title == "通知 membership:1:approved"


def test_notification_send_keeps_the_target_and_cluster():
    user, cluster = UserFactory(), ClusterFactory()

    notification = _send(user, "k", cluster=cluster, target=cluster)

    assert notification.cluster == cluster
    assert (notification.target_type, notification.target_id) == ("cluster_platform.cluster", str(cluster.pk))


def test_notification_email_is_sent_after_commit_and_only_once(django_capture_on_commit_callbacks):
    user = UserFactory(email="sme@example.com")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _send(user, "offering:9:published", email=True, title="服务已发布", body="您的服务已通过审核。")
        _send(user, "offering:9:published", email=True, title="服务已发布", body="您的服务已通过审核。")
        assert mail.outbox == []  # nothing leaves before the transaction commits

    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sme@example.com"]
    assert mail.outbox[0].subject == "服务已发布"


def test_notification_email_is_not_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    from django.db import transaction

    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                _send(user, "rolled-back", email=True)
                raise RuntimeError("the surrounding decision failed")
        except RuntimeError:
            pass

    assert mail.outbox == []
    assert not Notification.objects.filter(user=user).exists()


def _draft(user, key, **fields):
    defaults = {"kind": "policy_eligible", "title": f"通知 {key}", "body": "正文", "email": user.email}
    return NotificationDraft(user_id=user.pk, dedup_key=key, **{**defaults, **fields})


def test_notification_send_many_creates_each_user_and_key_once_across_batches(
    django_capture_on_commit_callbacks,
):
    users = [UserFactory() for _ in range(3)]
    cluster = ClusterFactory()
    _send(users[0], "already")  # notified before: skipped, not an error

    drafts = [_draft(user, key, cluster_id=cluster.pk) for user in users for key in ("already", "new")]
    with django_capture_on_commit_callbacks(execute=True):
        created = notification_send_many(notifications=iter(drafts + drafts), batch_size=4)

    assert created == 5
    assert Notification.objects.count() == 6
    assert set(Notification.objects.values_list("user_id", "dedup_key")) == {
        (user.pk, key) for user in users for key in ("already", "new")
    }
    assert set(
        Notification.objects.exclude(dedup_key="already", user=users[0]).values_list("cluster", flat=True)
    ) == {cluster.pk}
    # Only the five new notifications are emailed, once each.
    assert sorted((message.to[0], message.subject) for message in mail.outbox) == sorted(
        (user.email, f"通知 {key}")
        for user in users
        for key in ("already", "new")
        if (user, key) != (users[0], "already")
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_send_many(notifications=drafts) == 0
    assert len(mail.outbox) == 5


def test_notification_send_many_keeps_the_target_and_truncates_long_titles():
    user, cluster = UserFactory(), ClusterFactory()

    notification_send_many(
        notifications=[
            _draft(
                user,
                "k",
                title="长" * 300,
                target_type="cluster_platform.cluster",
                target_id=str(cluster.pk),
                email="",
            )
        ]
    )

    notification = Notification.objects.get(user=user)
    assert len(notification.title) == 255
    assert (notification.target_type, notification.target_id) == ("cluster_platform.cluster", str(cluster.pk))


def test_notification_send_many_emails_after_commit_in_one_connection(
    django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.mail.backends.locmem import EmailBackend

    users = [UserFactory() for _ in range(3)]
    no_address = UserFactory(email="")
    opened = []
    original_open = EmailBackend.open
    monkeypatch.setattr(EmailBackend, "open", lambda self: opened.append(self) or original_open(self))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = notification_send_many(notifications=[_draft(user, "k") for user in [*users, no_address]])
        assert mail.outbox == []  # nothing leaves before the transaction commits

    assert created == 4
    assert len(callbacks) == 1
    callbacks[0]()
    assert sorted(message.to[0] for message in mail.outbox) == sorted(user.email for user in users)
    assert len(opened) == 1


def test_notification_send_many_sends_nothing_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks,
):
    from django.db import transaction

    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notification_send_many(notifications=[_draft(user, "rolled-back")])
                raise RuntimeError("the surrounding job failed")
        except RuntimeError:
            pass

    assert mail.outbox == []
    assert not Notification.objects.filter(user=user).exists()


# --- The API -----------------------------------------------------------------------------------


def test_notifications_list_only_the_callers_own_newest_first(client_for):
    user, other = UserFactory(), UserFactory()
    older, newer = _send(user, "a"), _send(user, "b")
    _send(other, "a")

    body = client_for(user).get(URL).json()

    assert [n["id"] for n in body["results"]] == [str(newer.id), str(older.id)]
    assert body["results"][0]["is_read"] is False


def test_notifications_filter_unread_and_read(client_for):
    user = UserFactory()
    read, unread = _send(user, "read"), _send(user, "unread")
    client = client_for(user)
    client.post(f"{URL}{read.id}/read/")

    assert [n["id"] for n in client.get(URL, {"unread": "true"}).json()["results"]] == [str(unread.id)]
    assert [n["id"] for n in client.get(URL, {"unread": "false"}).json()["results"]] == [str(read.id)]


def test_unread_count_and_mark_all_read(client_for):
    user, other = UserFactory(), UserFactory()
    for key in "abc":
        _send(user, key)
    _send(other, "x")
    client = client_for(user)

    assert client.get(f"{URL}unread-count/").json() == {"unread": 3}
    assert client.post(f"{URL}read-all/").json() == {"marked_read": 3}
    assert client.get(f"{URL}unread-count/").json() == {"unread": 0}
    assert Notification.objects.get(user=other).read_at is None


def test_mark_one_read_is_idempotent(client_for):
    user = UserFactory()
    notification = _send(user, "one")
    client = client_for(user)

    first = client.post(f"{URL}{notification.id}/read/").json()
    second = client.post(f"{URL}{notification.id}/read/").json()

    assert first["is_read"] is True
    assert first["read_at"] == second["read_at"]


def test_someone_elses_notification_answers_404_and_stays_unread(client_for):
    owner, intruder = UserFactory(), UserFactory()
    notification = _send(owner, "private")

    assert client_for(intruder).get(f"{URL}{notification.id}/").status_code == 404
    assert client_for(intruder).post(f"{URL}{notification.id}/read/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("get", "unread-count/"), ("post", "read-all/")],
)
def test_notifications_need_authentication(api_client, method, path):
    assert getattr(api_client, method)(f"{URL}{path}").status_code == 401


def test_notifications_list_query_count_is_constant(client_for):
    from tests.utils import assert_queries_constant

    user = UserFactory()
    counter = iter(range(10_000))
    assert_queries_constant(
        client_for(user),
        URL,
        lambda n: [_send(user, f"k{next(counter)}", cluster=ClusterFactory()) for _ in range(n)],
    )


def test_notifications_filter_by_kind_across_clusters(client_for):
    user = UserFactory()
    approved = _send(user, "a", kind="membership.approved", cluster=ClusterFactory(slug="wuxi-iot"))
    _send(user, "b", kind="engagement.requested", cluster=ClusterFactory(slug="gd-bags"))
    platform_wide = _send(user, "c", kind="membership.approved")

    body = client_for(user).get(URL, {"kind": "membership.approved"}).json()

    assert [n["id"] for n in body["results"]] == [str(platform_wide.id), str(approved.id)]
    assert [n["cluster_slug"] for n in body["results"]] == [None, "wuxi-iot"]
