"""Who may apply to a programme: its rule, in the policy rule language, with the evaluator's
per-condition explanation (docs/eligibility.md)."""

from datetime import date

from django.utils import timezone

from enterprises.models import Enterprise, MembershipRole
from enterprises.selectors.memberships import is_approved_member
from policies.eligibility.calculator import enterprise_facts
from policies.rules.explanation import explain
from programmes.models import VoucherProgramme


def programme_eligibility_explain(
    *, programme: VoucherProgramme, enterprise: Enterprise, today: date | None = None
) -> dict:
    """Whether `enterprise` qualifies, and why, condition by condition.

    The facts are those the programme's agency may see (this cluster's membership only), as in
    the agency's view of the policy calculator. Only a definitely true rule qualifies.
    """
    today = today or timezone.localdate()
    member = is_approved_member(
        cluster=programme.cluster, enterprise_id=enterprise.pk, role=MembershipRole.SME
    )
    facts, _clusters = enterprise_facts(enterprise=enterprise, today=today, cluster=programme.cluster)
    explanation = explain(programme.eligibility_rule or {}, facts)
    return {
        "eligible": member and explanation.outcome is True,
        "approved_sme_member": member,
        "status": explanation.status,
        "conditions": [result.as_dict() for result in explanation.conditions],
        "near_miss": [result.as_dict() for result in explanation.near_miss],
        "missing_facts": explanation.missing_facts,
    }


def eligibility_refusal(explanation: dict) -> str:
    """One sentence listing what stands between the SME and the programme."""
    failing = [
        condition["text"]
        for condition in explanation["conditions"]
        if condition["outcome"] != ("not_met" if condition["negated"] else "met")
    ]
    return "; ".join(failing)
