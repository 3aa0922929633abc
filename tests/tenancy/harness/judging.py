"""Judging one answer: what a caller from cluster B may get back, per scenario and method."""

from __future__ import annotations

from tests.tenancy.harness.requests import SAFE_METHODS
from tests.tenancy.harness.victims import REFERENCE_PREFIX

# Refusals: nothing done, nothing said. 415 (a body type the endpoint does not take) and 429
# (throttled) refuse as surely as 403 does.
DENIED = {401, 403, 404, 405, 415, 429}


def judge(endpoint, scenario, method, target, outcome, victim, world, sent_ids) -> list[str]:
    problems = []
    status = outcome.status
    action = endpoint.action_for(method)
    view_name = endpoint.view_class.__name__ if endpoint.view_class else ""
    public_action = f"{view_name}.{action}" in world.public_actions
    if status >= 500:
        problems.append("server error")
    # An error may echo the ids the request itself carried; a success must not carry any.
    ignore = sent_ids if status >= 400 else set()
    leaked = victim.leaked(outcome.text, ignore)
    if leaked:
        shown = ", ".join(
            f"{label} {value}" for value, label in sorted(leaked.items(), key=lambda item: item[1])
        )
        problems.append(f"leaks {len(leaked)} id(s) of cluster A's non-public rows ({shown})")
    changed = [label for label in outcome.changed or [] if not label.startswith(REFERENCE_PREFIX)]
    references = [label[len(REFERENCE_PREFIX) :] for label in outcome.changed or [] if label not in changed]
    if changed and not (scenario == "a" and public_action):
        problems.append(f"changed cluster A's rows: {', '.join(changed)}")
    if references:
        problems.append(f"made rows outside cluster A point at A's rows: {', '.join(references)}")
    if method == "options" or status >= 500:
        return problems
    secret_object = target.obj is not None and str(target.obj.pk) in victim.secret_ids
    if scenario == "a":
        if method in SAFE_METHODS:
            if 200 <= status < 300 and secret_object:
                problems.append(f"reads cluster A's non-public {target.obj._meta.label}")
            elif not (200 <= status < 300 or status in DENIED):
                problems.append("unexpected status for a read")
        elif not public_action and status not in DENIED | {400}:
            problems.append("a write on cluster A by an outsider was not refused")
    elif target.names_a_object and status not in DENIED:
        problems.append("cluster B's URL with A's object did not answer 404")
    return problems


def judge_platform(method, target, outcome, victim, sent_ids) -> list[str]:
    """A platform route has no "A's URL" and "B's URL": whoever calls it, nothing of A's
    non-public rows may show or change."""
    problems = []
    if outcome.status >= 500:
        problems.append("server error")
    ignore = sent_ids if outcome.status >= 400 else set()
    leaked = victim.leaked(outcome.text, ignore)
    if leaked:
        shown = ", ".join(f"{lb} {v}" for v, lb in sorted(leaked.items()))
        problems.append(f"leaks {len(leaked)} id(s) of cluster A's non-public rows ({shown})")
    secret = target.obj is not None and str(target.obj.pk) in victim.secret_ids
    if method == "get" and secret and 200 <= outcome.status < 300:
        problems.append(f"reads cluster A's non-public {target.obj._meta.label}")
    if outcome.changed:
        problems.append(f"changed cluster A's rows: {', '.join(outcome.changed)}")
    return problems
