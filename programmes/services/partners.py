"""Writes for the partner programme: tier criteria, tier proposals and their decisions, accreditation."""

from dataclasses import asdict
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform.exceptions import InvalidTransition
from cluster_platform.models import Cluster
from cluster_platform.services import audit_record
from enterprises.models import Membership, MembershipRole, MembershipStatus
from enterprises.services.memberships import membership_set_tier
from programmes.models import PartnerTierCriteria, TierProposal, TierProposalStatus
from programmes.selectors.partners import (
    partner_memberships,
    partner_records,
    tier_criteria_get,
    tier_thresholds,
)
from programmes.services.notify import notify_deciders, notify_enterprise
from programmes.services.vouchers import clean_reason
from programmes.tiers import tier_decision

CRITERIA_FIELDS = [
    field.name
    for field in PartnerTierCriteria._meta.concrete_fields
    if field.name not in ("id", "cluster", "created_at", "updated_at")
]


def _plain(value):
    return str(value) if not isinstance(value, int | type(None)) else value


@transaction.atomic
def tier_criteria_set(*, cluster: Cluster, by, values: dict) -> PartnerTierCriteria:
    """Set the cluster's tier criteria (any subset of fields); strategic never asks less than certified."""
    criteria = PartnerTierCriteria.objects.select_for_update().filter(cluster=cluster).first()
    criteria = criteria or PartnerTierCriteria(cluster=cluster)
    before = {name: _plain(getattr(criteria, name)) for name in CRITERIA_FIELDS} if criteria.pk else {}
    for name, value in values.items():
        if name in CRITERIA_FIELDS:
            setattr(criteria, name, value)
    errors = {}
    for name in ("certified_min_rating", "strategic_min_rating", "review_min_rating"):
        if not 0 <= getattr(criteria, name) <= 5:
            errors[name] = [_("A rating between 0 and 5.")]
    for name in ("min_completed", "min_rating", "min_certifications", "min_years"):
        if f"strategic_{name}" not in errors and getattr(criteria, f"strategic_{name}") < getattr(
            criteria, f"certified_{name}"
        ):
            errors[f"strategic_{name}"] = [_("The strategic tier cannot ask less than the certified tier.")]
    if errors:
        raise ValidationError(errors)
    criteria.save()
    audit_record(
        cluster=cluster,
        actor=by,
        action="partner_tier_criteria.set",
        target=criteria,
        before=before,
        after={name: _plain(getattr(criteria, name)) for name in CRITERIA_FIELDS},
    )
    return criteria


@transaction.atomic
def tier_proposals_generate(*, cluster: Cluster, today: date | None = None) -> int:
    """Propose a move for every admitted partner whose record earns another tier.

    Idempotent: an open proposal for the same move is refreshed, not duplicated; one for a
    move the record no longer supports is superseded. Returns how many proposals are open.
    """
    today = today or timezone.localdate()
    thresholds = tier_thresholds(tier_criteria_get(cluster=cluster))
    memberships = list(partner_memberships(cluster=cluster).filter(status=MembershipStatus.APPROVED))
    records = partner_records(cluster=cluster, memberships=memberships, today=today)
    open_proposals = {
        proposal.membership_id: proposal
        for proposal in TierProposal.objects.select_for_update().filter(
            cluster=cluster, status=TierProposalStatus.PROPOSED
        )
    }
    count = 0
    for membership in memberships:
        record = records[membership.pk]
        current = membership.partner_tier or "registered"
        decision = tier_decision(record=record, current=current, criteria=thresholds)
        existing = open_proposals.pop(membership.pk, None)
        if decision.tier == current:
            if existing is not None:
                existing.status = TierProposalStatus.SUPERSEDED
                existing.save(update_fields=["status", "updated_at"])
            continue
        metrics = {
            "record": {key: _plain(value) for key, value in asdict(record).items()},
            "thresholds": {
                tier: {k: _plain(v) for k, v in asdict(t).items()} for tier, t in thresholds.items()
            },
        }
        if existing is not None and existing.proposed_tier == decision.tier:
            existing.criterion, existing.metrics = decision.criterion, metrics
            existing.save(update_fields=["criterion", "metrics", "updated_at"])
            count += 1
            continue
        if existing is not None:
            existing.status = TierProposalStatus.SUPERSEDED
            existing.save(update_fields=["status", "updated_at"])
        proposal = TierProposal.objects.create(
            cluster=cluster,
            membership=membership,
            partner=membership.enterprise,
            current_tier=current,
            proposed_tier=decision.tier,
            criterion=decision.criterion,
            metrics=metrics,
        )
        notify_deciders(
            cluster=cluster,
            kind="tier_proposal.proposed",
            title=_("Partner tier proposal: %(partner)s %(from)s → %(to)s")
            % {"partner": membership.enterprise.name, "from": current, "to": decision.tier},
            body=_("Deciding criterion: %(criterion)s") % {"criterion": decision.criterion},
            target=proposal,
            dedup_key=f"tier-proposal:{proposal.pk}",
        )
        count += 1
    for stale in open_proposals.values():  # partners no longer approved
        stale.status = TierProposalStatus.SUPERSEDED
        stale.save(update_fields=["status", "updated_at"])
    return count


def _decide(*, proposal: TierProposal, by, accept: bool, reason: str) -> TierProposal:
    proposal = (
        TierProposal.objects.select_for_update().select_related("membership", "partner").get(pk=proposal.pk)
    )
    if proposal.status != TierProposalStatus.PROPOSED:
        raise InvalidTransition(
            current=proposal.status, requested="accept" if accept else "decline", allowed=[]
        )
    if accept:
        membership = Membership.objects.get(pk=proposal.membership_id)
        if membership.status != MembershipStatus.APPROVED:
            raise InvalidTransition(current=membership.status, requested="accept", allowed=[])
        membership_set_tier(membership=membership, tier=proposal.proposed_tier, by=by)
    proposal.status = TierProposalStatus.ACCEPTED if accept else TierProposalStatus.DECLINED
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    proposal.decision_reason = reason
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    audit_record(
        cluster=proposal.cluster,
        actor=by,
        action=f"tier_proposal.{'accept' if accept else 'decline'}",
        target=proposal,
        before={"status": TierProposalStatus.PROPOSED},
        after={"status": proposal.status, "tier": proposal.proposed_tier, "reason": reason},
    )
    if accept:
        notify_enterprise(
            cluster=proposal.cluster,
            enterprise_id=proposal.partner_id,
            kind="tier_proposal.accepted",
            title=_("Your partner tier is now %(tier)s") % {"tier": proposal.proposed_tier},
            body=reason,
            target=proposal,
            dedup_key=f"tier-proposal:{proposal.pk}:accepted",
        )
    return proposal


@transaction.atomic
def tier_proposal_accept(*, proposal: TierProposal, by, reason: str = "") -> TierProposal:
    return _decide(proposal=proposal, by=by, accept=True, reason=clean_reason(reason, required=False))


@transaction.atomic
def tier_proposal_decline(*, proposal: TierProposal, by, reason: str) -> TierProposal:
    return _decide(proposal=proposal, by=by, accept=False, reason=clean_reason(reason, required=True))


@transaction.atomic
def accreditation_set(
    *, membership: Membership, valid_until: date, by, today: date | None = None
) -> Membership:
    """Accredit (or renew) a partner until `valid_until`; the first accreditation starts its years."""
    today = today or timezone.localdate()
    membership = (
        Membership.objects.select_for_update().select_related("cluster", "enterprise").get(pk=membership.pk)
    )
    if membership.role != MembershipRole.PARTNER:
        raise ValidationError({"membership": [_("Only partners are accredited.")]})
    if valid_until <= today:
        raise ValidationError({"valid_until": [_("An accreditation must run into the future.")]})
    before = {
        "accredited_since": _plain(membership.accredited_since),
        "accreditation_valid_until": _plain(membership.accreditation_valid_until),
    }
    membership.accredited_since = membership.accredited_since or today
    membership.accreditation_valid_until = valid_until
    membership.save(update_fields=["accredited_since", "accreditation_valid_until", "updated_at"])
    audit_record(
        cluster=membership.cluster,
        actor=by,
        action="accreditation.set",
        target=membership,
        before=before,
        after={
            "accredited_since": str(membership.accredited_since),
            "accreditation_valid_until": str(valid_until),
        },
    )
    return membership


def accreditations_expired_notify(*, today: date | None = None) -> int:
    """Tell each partner whose accreditation has ended (and the agency), once per validity date.

    The expiry itself needs no write: good standing reads the date (enterprises selectors)."""
    today = today or timezone.localdate()
    expired = Membership.objects.filter(
        role=MembershipRole.PARTNER, status=MembershipStatus.APPROVED, accreditation_valid_until__lt=today
    ).select_related("cluster", "enterprise")
    told = 0
    for membership in expired.order_by("pk"):
        key = f"accreditation:{membership.pk}:{membership.accreditation_valid_until}:expired"
        title = _("Accreditation expired: %(partner)s") % {"partner": membership.enterprise.name}
        notify_enterprise(
            cluster=membership.cluster,
            enterprise_id=membership.enterprise_id,
            kind="accreditation.expired",
            title=title,
            body=_("Your offerings and machines are out of the catalog until the agency renews it."),
            target=membership,
            dedup_key=key,
        )
        notify_deciders(
            cluster=membership.cluster,
            kind="accreditation.expired",
            title=title,
            body="",
            target=membership,
            dedup_key=key,
        )
        told += 1
    return told
