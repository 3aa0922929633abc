"""Proactive policy matching: tell enterprises about policies they have become eligible for.

Entry points for other parts of the platform (each enqueues its work after commit):
- `policy_published(policy)` / `policies_published(policy_ids)`: the policy library calls it
  when policies are published; every eligible enterprise is found with one compiled query and
  its users are notified.
- `enterprise_profile_changed(enterprise)`: the enterprise profile service calls it after an
  update (and membership decisions, since cluster membership is a fact); the enterprise is
  evaluated against the live policies and notified of those it now qualifies for.

Idempotence: every notification carries a dedup key (`policy-eligible:{policy}:{enterprise}`,
`policy-closing:{policy}:{enterprise}`) unique per user, so a retried or re-run task, or an
enterprise that qualifies again after an edit, is never notified twice for the same policy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform.reference.regions import region_prefix
from cluster_platform.services import NotificationDraft, notification_send_many
from enterprises.models import Enterprise, EnterpriseUser, Membership, MembershipStatus
from policies.eligibility.calculator import candidate_policies, classify, enterprise_facts, live_policies
from policies.models import Policy, PolicyStatus
from policies.rules.sql import eligible_enterprises
from policies.rules.validation import validate_rule

logger = logging.getLogger(__name__)

# Rows read per round trip while streaming the (enterprise, user) pairs to notify.
BATCH_SIZE = 2000
REMINDER_DAYS = 7
KIND_ELIGIBLE = "policy_eligible"
KIND_CLOSING = "policy_closing"
POLICY_TARGET_TYPE = Policy._meta.label_lower


# --- Entry points (enqueue on commit) --------------------------------------------------------
#
# The tasks are imported where they are enqueued: `policies.tasks` imports this module.


def policy_published(policy: Policy) -> None:
    """Enqueue, after the publishing transaction commits, the reverse match of `policy`."""
    from policies.tasks import policy_match_published

    policy_match_published.delay_on_commit(str(policy.id))


def policies_published(policy_ids) -> None:
    """Bulk form of `policy_published` (an import batch or a demo seed publishing many at once):
    one task for the whole set, enqueued after commit, which finds every (policy, enterprise)
    pair in one query rather than a task and a query per policy."""
    from policies.tasks import policies_match_published

    policy_ids = [str(policy_id) for policy_id in policy_ids]
    if policy_ids:
        policies_match_published.delay_on_commit(policy_ids)


def enterprise_profile_changed(enterprise: Enterprise) -> None:
    """Enqueue, after commit, the re-evaluation of `enterprise` against the live policies."""
    from policies.tasks import enterprise_reevaluate

    enterprise_reevaluate.delay_on_commit(str(enterprise.id))


# --- Reverse match --------------------------------------------------------------------------


def policy_is_live(policy: Policy, today: date) -> bool:
    return (
        policy.status == PolicyStatus.PUBLISHED
        and (policy.valid_from is None or policy.valid_from <= today)
        and (policy.valid_until is None or policy.valid_until >= today)
    )


def policy_scope_enterprises(policy: Policy) -> QuerySet[Enterprise]:
    """Enterprises the policy applies to before its rule: a cluster's local policy applies to
    the cluster's approved members; a library policy to its region (everyone if national)."""
    enterprises = Enterprise.objects.all()
    if policy.cluster_id is not None:
        return enterprises.filter(
            Exists(
                Membership.objects.filter(
                    enterprise=OuterRef("pk"), cluster_id=policy.cluster_id, status=MembershipStatus.APPROVED
                )
            )
        )
    if policy.region_code:
        return enterprises.filter(region_code__startswith=region_prefix(policy.region_code))
    return enterprises


def policy_eligible_enterprises(*, policy: Policy, today: date) -> QuerySet[Enterprise]:
    """Every enterprise eligible for `policy`, in one query (the compiled rule)."""
    return eligible_enterprises(policy_scope_enterprises(policy), policy.eligibility_rule or {}, today)


@dataclass
class NotifyOutcome:
    matched: int = 0
    notified: int = 0


def policy_notify_eligible(*, policy: Policy, today: date | None = None) -> NotifyOutcome:
    """Notify the users of every enterprise eligible for a live policy (once per policy)."""
    today = today or timezone.localdate()
    if not policy_is_live(policy, today):
        return NotifyOutcome()
    if validate_rule(policy.eligibility_rule or {}):
        logger.warning("policy %s has an invalid eligibility rule; nobody notified", policy.id)
        return NotifyOutcome()
    eligible = policy_eligible_enterprises(policy=policy, today=today)
    outcome = NotifyOutcome(matched=eligible.count())
    links = (
        EnterpriseUser.objects.filter(enterprise__in=eligible.values("pk"), user__is_active=True)
        .order_by("enterprise_id", "user_id")
        .values_list("enterprise_id", "user_id", "user__email")
    )
    outcome.notified = notification_send_many(
        notifications=(
            _eligible_note(policy, enterprise_id, user_id, email)
            for enterprise_id, user_id, email in links.iterator(chunk_size=BATCH_SIZE)
        )
    )
    logger.info(
        "policy %s: %d eligible enterprises, %d notifications", policy.id, outcome.matched, outcome.notified
    )
    return outcome


def policies_notify_eligible(*, policies: list[Policy], today: date | None = None) -> NotifyOutcome:
    """`policy_notify_eligible` for a set of policies, set-based: one query (a UNION ALL of the
    compiled rules) yields every eligible (policy, enterprise) pair, one more the enterprises'
    users. `matched` counts pairs."""
    today = today or timezone.localdate()
    live = []
    for policy in policies:
        if not policy_is_live(policy, today):
            continue
        if validate_rule(policy.eligibility_rule or {}):
            logger.warning("policy %s has an invalid eligibility rule; nobody notified", policy.id)
            continue
        live.append(policy)
    if not live:
        return NotifyOutcome()
    branches = [
        policy_eligible_enterprises(policy=policy, today=today)
        .order_by()
        .annotate(matched_policy=Value(str(policy.pk), output_field=CharField()))
        .values_list("matched_policy", "pk")
        for policy in live
    ]
    # One flat UNION ALL: chaining `.union()` once per policy nests each query inside the next,
    # and Django clones and compiles that recursively (an import batch of 1,000 policies hit
    # Python's recursion limit after half a minute of cloning).
    pairs_query = branches[0].union(*branches[1:], all=True)
    policies_by_enterprise: dict = {}
    for policy_id, enterprise_id in pairs_query:
        policies_by_enterprise.setdefault(enterprise_id, []).append(policy_id)
    by_id = {str(policy.pk): policy for policy in live}
    outcome = NotifyOutcome(matched=sum(len(ids) for ids in policies_by_enterprise.values()))
    links = (
        EnterpriseUser.objects.filter(enterprise_id__in=list(policies_by_enterprise), user__is_active=True)
        .order_by("enterprise_id", "user_id")
        .values_list("enterprise_id", "user_id", "user__email")
    )
    outcome.notified = notification_send_many(
        notifications=(
            _eligible_note(by_id[policy_id], enterprise_id, user_id, email)
            for enterprise_id, user_id, email in links.iterator(chunk_size=BATCH_SIZE)
            for policy_id in sorted(policies_by_enterprise[enterprise_id])
        )
    )
    logger.info(
        "%d policies: %d eligible (policy, enterprise) pairs, %d notifications",
        len(live),
        outcome.matched,
        outcome.notified,
    )
    return outcome


def enterprise_notify_eligible(*, enterprise: Enterprise, today: date | None = None) -> NotifyOutcome:
    """Evaluate one enterprise against the live policies and notify its users of those it
    qualifies for and has not been told about."""
    today = today or timezone.localdate()
    facts, cluster_ids = enterprise_facts(enterprise=enterprise, today=today)
    candidates = candidate_policies(today=today, region_code=enterprise.region_code, cluster_ids=cluster_ids)
    classified = classify(candidates=candidates, facts=facts)
    eligible_ids = classified.eligible
    users = list(
        EnterpriseUser.objects.filter(enterprise=enterprise, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", "user__email")
    )
    outcome = NotifyOutcome(matched=len(eligible_ids))
    if not users or not eligible_ids:
        return outcome
    policies = Policy.objects.filter(id__in=eligible_ids).only(
        "id", "title", "max_amount", "application_closes", "cluster_id"
    )
    outcome.notified = notification_send_many(
        notifications=(
            _eligible_note(policy, enterprise.id, user_id, email)
            for policy in policies.order_by("id").iterator(chunk_size=BATCH_SIZE)
            for user_id, email in users
        )
    )
    return outcome


# --- Daily reminders ------------------------------------------------------------------------------


def policies_remind_closing(*, today: date | None = None) -> NotifyOutcome:
    """Remind the users of eligible enterprises of application windows closing within
    REMINDER_DAYS days, once per policy and enterprise."""
    today = today or timezone.localdate()
    outcome = NotifyOutcome()
    closing = (
        live_policies(today=today)
        .filter(application_closes__gte=today, application_closes__lte=today + timedelta(days=REMINDER_DAYS))
        .filter(Q(application_opens__isnull=True) | Q(application_opens__lte=today))
    )
    for policy in closing.order_by("application_closes", "id"):
        if validate_rule(policy.eligibility_rule or {}):
            continue
        eligible = policy_eligible_enterprises(policy=policy, today=today)
        links = (
            EnterpriseUser.objects.filter(enterprise__in=eligible.values("pk"), user__is_active=True)
            .order_by("enterprise_id", "user_id")
            .values_list("enterprise_id", "user_id", "user__email")
        )
        outcome.matched += eligible.count()
        outcome.notified += notification_send_many(
            notifications=(
                _closing_note(policy, enterprise_id, user_id, email, today)
                for enterprise_id, user_id, email in links.iterator(chunk_size=BATCH_SIZE)
            )
        )
    return outcome


# --- Notifications ------------------------------------------------------------------------------


def _eligible_note(policy: Policy, enterprise_id, user_id, email) -> NotificationDraft:
    return NotificationDraft(
        user_id=user_id,
        email=email or "",
        dedup_key=f"policy-eligible:{policy.id}:{enterprise_id}",
        kind=KIND_ELIGIBLE,
        title=_("You may be eligible for the policy: %(title)s") % {"title": policy.title},
        body=_eligible_body(policy),
        cluster_id=policy.cluster_id,
        target_type=POLICY_TARGET_TYPE,
        target_id=str(policy.id),
    )


def _closing_note(policy: Policy, enterprise_id, user_id, email, today: date) -> NotificationDraft:
    return NotificationDraft(
        user_id=user_id,
        email=email or "",
        dedup_key=f"policy-closing:{policy.id}:{enterprise_id}",
        kind=KIND_CLOSING,
        title=_("Applications for %(title)s close on %(date)s")
        % {"title": policy.title, "date": policy.application_closes.isoformat()},
        body=_("%(days)d day(s) left to apply for %(title)s, which your enterprise qualifies for.")
        % {"days": (policy.application_closes - today).days, "title": policy.title},
        cluster_id=policy.cluster_id,
        target_type=POLICY_TARGET_TYPE,
        target_id=str(policy.id),
    )


def _eligible_body(policy: Policy) -> str:
    lines = [
        _("Your enterprise's profile meets the eligibility rule of %(title)s.") % {"title": policy.title}
    ]
    if policy.max_amount is not None:
        lines.append(_("Support up to %(amount)s CNY.") % {"amount": f"{policy.max_amount:,.0f}"})
    if policy.application_closes is not None:
        lines.append(_("Applications close on %(date)s.") % {"date": policy.application_closes.isoformat()})
    return "\n".join(lines)
