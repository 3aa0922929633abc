"""Proactive matching: publishing, profile changes and the daily jobs notify once, and only the eligible."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail

from cluster_platform.celery import app
from cluster_platform.models import Notification
from policies.eligibility.notifications import enterprise_profile_changed, policy_published
from policies.models import Policy, PolicyStatus
from policies.tasks import (
    enterprise_reevaluate,
    policies_expire_daily,
    policies_match_published,
    policies_remind_closing_daily,
    policy_match_published,
)
from tests.cluster_platform.factories import ClusterFactory
from tests.enterprises.factories import EnterpriseFactory, EnterpriseUserFactory, MembershipFactory
from tests.policies.factories import PolicyFactory

pytestmark = pytest.mark.django_db

SMALL_IN_WUXI = {
    "all": [
        {"fact": "region", "op": "within", "value": "320200"},
        {"fact": "employees", "op": "lte", "value": 300},
    ]
}


def enterprise_with_users(count=1, **fields):
    enterprise = EnterpriseFactory(**fields)
    users = [EnterpriseUserFactory(enterprise=enterprise).user for _ in range(count)]
    return enterprise, users


def notified(kind="policy_eligible"):
    return sorted(Notification.objects.filter(kind=kind).values_list("user__email", "dedup_key"))


def test_publishing_notifies_every_user_of_every_eligible_enterprise_once(django_capture_on_commit_callbacks):
    eligible, users = enterprise_with_users(2, region_code="320214", employees=80)
    too_big, _ = enterprise_with_users(region_code="320214", employees=800)
    unknown, _ = enterprise_with_users(region_code="320214", employees=None)
    elsewhere, _ = enterprise_with_users(region_code="440104", employees=80)
    policy = PolicyFactory(live=True, status=PolicyStatus.DRAFT, eligibility_rule=SMALL_IN_WUXI)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        Policy.objects.filter(pk=policy.pk).update(status=PolicyStatus.PUBLISHED)
        policy.refresh_from_db()
        policy_published(policy)
    assert len(callbacks) >= 1
    key = f"policy-eligible:{policy.id}:{eligible.id}"
    assert notified() == sorted((user.email, key) for user in users)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(user.email for user in users)

    # A retry or a re-run notifies nobody again.
    result = policy_match_published(str(policy.id))
    assert result == {"matched": 1, "notified": 0}
    assert len(notified()) == 2 and len(mail.outbox) == 2
    assert {too_big.id, unknown.id, elsewhere.id}.isdisjoint(
        {key.rsplit(":", 1)[1] for _email, key in notified()}
    )


def test_nothing_is_enqueued_when_the_publishing_transaction_rolls_back(django_capture_on_commit_callbacks):
    enterprise_with_users(region_code="320214", employees=80)
    policy = PolicyFactory(live=True, eligibility_rule=SMALL_IN_WUXI)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        policy_published(policy)
    assert len(callbacks) == 1  # deferred to the commit, not run inside the transaction
    assert notified() == []


def test_unpublished_or_lapsed_policies_notify_nobody():
    enterprise_with_users(region_code="320214", employees=80)
    draft = PolicyFactory(live=True, status=PolicyStatus.DRAFT)
    lapsed = PolicyFactory(live=True, valid_until=date.today() - timedelta(days=1))
    assert policy_match_published(str(draft.id)) == {"matched": 0, "notified": 0}
    assert policy_match_published(str(lapsed.id)) == {"matched": 0, "notified": 0}
    assert notified() == []


def test_a_local_policy_reaches_only_the_clusters_approved_members():
    cluster = ClusterFactory()
    member, (member_user,) = enterprise_with_users(region_code="440104")
    MembershipFactory(cluster=cluster, enterprise=member)
    applicant, _ = enterprise_with_users(region_code="320214")
    MembershipFactory(cluster=cluster, enterprise=applicant, status="pending")
    enterprise_with_users(region_code="320214")
    policy = PolicyFactory(live=True, cluster=cluster, region_code=cluster.region_code, eligibility_rule={})
    assert policy_match_published(str(policy.id)) == {"matched": 1, "notified": 1}
    notification = Notification.objects.get()
    assert notification.user == member_user and notification.cluster == cluster


def test_profile_change_notifies_newly_eligible_policies_once(django_capture_on_commit_callbacks):
    enterprise, (user,) = enterprise_with_users(region_code="320214", employees=800)
    policy = PolicyFactory(live=True, eligibility_rule=SMALL_IN_WUXI)
    PolicyFactory(live=True, eligibility_rule={"fact": "employees", "op": "lte", "value": 10})
    assert enterprise_reevaluate(str(enterprise.id)) == {"matched": 0, "notified": 0}

    enterprise.employees = 120
    with django_capture_on_commit_callbacks(execute=True):
        enterprise.save()
        enterprise_profile_changed(enterprise)
    assert notified() == [(user.email, f"policy-eligible:{policy.id}:{enterprise.id}")]

    # Already told about it: a re-evaluation (or the publish-time match) adds nothing.
    assert enterprise_reevaluate(str(enterprise.id)) == {"matched": 1, "notified": 0}
    assert policy_match_published(str(policy.id)) == {"matched": 1, "notified": 0}
    assert len(mail.outbox) == 1


def test_daily_expiry_marks_lapsed_policies_expired():
    today = date.today()
    lapsed = PolicyFactory(live=True, valid_until=today - timedelta(days=1))
    last_day = PolicyFactory(live=True, valid_until=today)
    draft = PolicyFactory(live=True, status=PolicyStatus.DRAFT, valid_until=today - timedelta(days=10))
    assert policies_expire_daily() == 1
    assert policies_expire_daily() == 0
    statuses = dict(Policy.objects.values_list("id", "status"))
    assert statuses == {lapsed.id: "expired", last_day.id: "published", draft.id: "draft"}


def test_daily_reminders_for_windows_closing_within_a_week_are_sent_once():
    today = date.today()
    eligible, (user,) = enterprise_with_users(region_code="320214", employees=80)
    enterprise_with_users(region_code="320214", employees=900)
    closing = PolicyFactory(
        live=True, eligibility_rule=SMALL_IN_WUXI, application_closes=today + timedelta(days=3)
    )
    PolicyFactory(live=True, eligibility_rule=SMALL_IN_WUXI, application_closes=today + timedelta(days=8))
    PolicyFactory(live=True, eligibility_rule=SMALL_IN_WUXI, application_closes=today - timedelta(days=1))
    PolicyFactory(
        live=True,
        eligibility_rule=SMALL_IN_WUXI,
        application_closes=today + timedelta(days=2),
        status=PolicyStatus.DRAFT,
    )
    assert policies_remind_closing_daily() == {"matched": 1, "notified": 1}
    assert notified("policy_closing") == [(user.email, f"policy-closing:{closing.id}:{eligible.id}")]
    assert "3" in Notification.objects.get(kind="policy_closing").body
    assert policies_remind_closing_daily() == {"matched": 1, "notified": 0}


def test_beat_schedule_names_registered_tasks():
    schedule = settings.CELERY_BEAT_SCHEDULE
    for name in ("policies-expire", "policies-remind-closing"):
        assert schedule[name]["task"] in app.tasks


def test_bulk_publishing_matches_each_policy_after_commit(django_capture_on_commit_callbacks):
    from policies.eligibility.notifications import policies_published

    enterprise, (user,) = enterprise_with_users(region_code="320214", employees=80)
    first = PolicyFactory(live=True, eligibility_rule=SMALL_IN_WUXI)
    second = PolicyFactory(live=True, eligibility_rule={})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        policies_published([first.id, second.id])
        assert notified() == []  # nothing before the commit
    # One set-based reverse-match task for the whole set, enqueued on commit; then the emails of
    # the notifications it made.
    tasks = [getattr(callback, "func", None) for callback in callbacks]
    assert tasks.count(policies_match_published.send_after_commit) == 1
    assert policy_match_published.send_after_commit not in tasks
    assert notified() == sorted(
        (user.email, f"policy-eligible:{policy.id}:{enterprise.id}") for policy in (first, second)
    )


def test_a_batch_reverse_match_finds_what_one_match_per_policy_finds(django_assert_num_queries):
    from policies.eligibility.notifications import policies_notify_eligible, policy_eligible_enterprises

    small, _ = enterprise_with_users(2, region_code="320214", employees=80)
    big, _ = enterprise_with_users(region_code="320214", employees=800)
    elsewhere, _ = enterprise_with_users(region_code="440104", employees=80)
    policies = [
        PolicyFactory(live=True, eligibility_rule=SMALL_IN_WUXI),
        PolicyFactory(live=True, eligibility_rule={}),
        PolicyFactory(live=True, eligibility_rule={"fact": "employees", "op": "gte", "value": 500}),
        PolicyFactory(live=True, status=PolicyStatus.DRAFT, eligibility_rule={}),
    ]
    today = date.today()
    expected = {
        (str(policy.pk), enterprise.pk)
        for policy in policies[:3]
        for enterprise in policy_eligible_enterprises(policy=policy, today=today)
    }

    outcome = policies_notify_eligible(policies=policies, today=today)

    assert outcome.matched == len(expected) >= 4
    notes = set(Notification.objects.filter(kind="policy_eligible").values_list("dedup_key", flat=True))
    assert notes == {f"policy-eligible:{policy_id}:{enterprise_id}" for policy_id, enterprise_id in expected}
    assert policies_match_published([str(policy.pk) for policy in policies]) == {
        "matched": len(expected),
        "notified": 0,  # a re-run notifies nobody again
    }


def test_a_whole_import_batch_of_newly_published_policies_is_matched_at_once():
    """An import hands over each batch's newly published policies together (up to 1,000)."""
    from policies.eligibility.notifications import policies_notify_eligible
    from policies.services import IMPORT_BATCH_SIZE

    enterprise_with_users(region_code="320214", employees=80)
    enterprise_with_users(region_code="320214", employees=800)
    # Unsaved policies are enough: the match reads enterprises, and notes only the policies' ids.
    policies = PolicyFactory.build_batch(IMPORT_BATCH_SIZE, live=True, eligibility_rule=SMALL_IN_WUXI)

    outcome = policies_notify_eligible(policies=policies)

    assert outcome.matched == outcome.notified == IMPORT_BATCH_SIZE  # the small enterprise, each policy


def test_a_batch_reverse_match_costs_the_same_queries_for_more_policies(django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    enterprise_with_users(region_code="320214", employees=80)

    def queries_for(count):
        ids = [str(PolicyFactory(live=True, eligibility_rule=SMALL_IN_WUXI).pk) for _ in range(count)]
        with CaptureQueriesContext(connection) as captured:
            policies_match_published(ids)
        return len(captured.captured_queries)

    assert queries_for(2) == queries_for(8)
