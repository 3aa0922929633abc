"""The engagement state machine as a pure table: which action moves which state where, and who may.

No ORM here: the service looks a request up in this table, and the table is unit-tested alone.
States are the values of services.models.EngagementStatus; parties are "sme", "partner" and
"agency" (the cluster's deciding staff: admin or operator).
"""

from dataclasses import dataclass

SME = "sme"
PARTNER = "partner"
AGENCY = "agency"

REQUESTED = "requested"
ACCEPTED = "accepted"
DECLINED = "declined"
IN_PROGRESS = "in_progress"
DELIVERED = "delivered"
COMPLETED = "completed"
DISPUTED = "disputed"
CANCELLED = "cancelled"

TERMINAL_STATES = frozenset({DECLINED, COMPLETED, CANCELLED})
# Taking on work: refused to a partner out of good standing (suspended, accreditation ended),
# which may still decline a request and start, deliver or back out of what it already took on.
NEW_WORK_ACTIONS = frozenset({"accept"})
# Engagements in these states use one unit of their offering's capacity.
CAPACITY_STATES = frozenset({ACCEPTED, IN_PROGRESS, DELIVERED})


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    parties: frozenset[str]
    # Parties that must give a reason when they take this transition.
    reason_required: frozenset[str] = frozenset()
    # For actions with several targets from one state (resolve), the outcome the caller names.
    outcome: str | None = None


def _t(action, source, target, parties, reason_required=(), outcome=None) -> Transition:
    return Transition(action, source, target, frozenset(parties), frozenset(reason_required), outcome)


TRANSITIONS: tuple[Transition, ...] = (
    _t("accept", REQUESTED, ACCEPTED, {PARTNER}),
    _t("decline", REQUESTED, DECLINED, {PARTNER}),
    _t("start", ACCEPTED, IN_PROGRESS, {PARTNER}),
    _t("deliver", IN_PROGRESS, DELIVERED, {PARTNER}),
    _t("confirm", DELIVERED, COMPLETED, {SME}),
    _t("dispute", DELIVERED, DISPUTED, {SME}, reason_required={SME}),
    # The SME may withdraw a request, or cancel an accepted engagement before work starts; the
    # partner may back out of an accepted engagement only with a reason. Once work has started only
    # the agency may cancel (mediation, with a reason); after delivery nobody cancels: the SME
    # confirms or disputes, and the agency resolves a dispute.
    _t("cancel", REQUESTED, CANCELLED, {SME}),
    _t("cancel", ACCEPTED, CANCELLED, {SME, PARTNER}, reason_required={PARTNER}),
    _t("cancel", IN_PROGRESS, CANCELLED, {AGENCY}, reason_required={AGENCY}),
    _t("resolve", DISPUTED, COMPLETED, {AGENCY}, reason_required={AGENCY}, outcome=COMPLETED),
    _t("resolve", DISPUTED, CANCELLED, {AGENCY}, reason_required={AGENCY}, outcome=CANCELLED),
)

ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(t.action for t in TRANSITIONS))


def parties_for(action: str) -> frozenset[str]:
    """Every party that may take `action` from some state."""
    return frozenset().union(*(t.parties for t in TRANSITIONS if t.action == action))


def allowed_actions(state: str, party: str | None = None) -> list[str]:
    """The actions available from `state`, to `party` if given, sorted."""
    return sorted(
        {t.action for t in TRANSITIONS if t.source == state and (party is None or party in t.parties)}
    )


def find_transition(state: str, action: str, party: str, outcome: str | None = None) -> Transition | None:
    """The transition `party` takes with `action` from `state` (and `outcome`), or None if there is none."""
    for transition in TRANSITIONS:
        if transition.source != state or transition.action != action or party not in transition.parties:
            continue
        if transition.outcome is None or transition.outcome == outcome:
            return transition
    return None


def outcomes_for(state: str, action: str) -> list[str]:
    return sorted(t.outcome for t in TRANSITIONS if t.source == state and t.action == action and t.outcome)
