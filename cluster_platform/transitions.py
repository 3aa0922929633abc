"""Simple state tables: `{action: (states it may start from, state it leads to)}`.

Offerings, demands and memberships move through such tables. Engagements and bookings also depend on
which party acts, so they keep their own tables (services/engagement_flow.py, services/services/bookings.py).
"""

from cluster_platform.exceptions import InvalidTransition

Transitions = dict[str, tuple[set[str], str]]


def allowed_actions(transitions: Transitions, current: str) -> list[str]:
    """The actions that may start from `current`, in the table's order."""
    return [action for action, (sources, _target) in transitions.items() if current in sources]


def transition_target(transitions: Transitions, *, current: str, action: str) -> str:
    """The state `action` leads to from `current`; InvalidTransition (409) when it may not start there."""
    sources, target = transitions[action]
    if current not in sources:
        raise InvalidTransition(
            current=current, requested=action, allowed=allowed_actions(transitions, current)
        )
    return target
