"""The attacks: every endpoint, from every role of cluster B, with A's ids in the path, the body
and the query string; each answer judged and the problems collected in a report."""

from __future__ import annotations

import functools
import logging
import re
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from rest_framework.test import APIClient

from cluster_platform.models import Cluster
from tests.tenancy.harness.discovery import (
    CannotExercise,
    Endpoint,
    cluster_endpoints,
    platform_endpoints,
    query_parameters,
)
from tests.tenancy.harness.judging import judge, judge_platform
from tests.tenancy.harness.requests import (
    SAFE_METHODS,
    RollBack,
    form_rejects,
    get_outcome,
    hostile_body,
    parameter_values,
    path_targets,
    platform_targets,
    send,
    strings_in,
)
from tests.tenancy.harness.victims import victim_of
from tests.tenancy.world import ATTACKER_ROLES, World


@dataclass
class Report:
    endpoints: list[Endpoint]
    problems: list[str] = field(default_factory=list)
    requests: int = 0
    query_requests: int = 0


def attack(world: World, *, roles=ATTACKER_ROLES, scenarios=("a", "b"), urlconf=None, queries=True) -> Report:
    """Attack cluster A through every cluster endpoint from every role in cluster B; with
    `queries`, also through the query parameters of every GET the caller gets an answer from."""
    # Thousands of refused requests would each log a warning; the report says what matters.
    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    request_logger.setLevel(logging.CRITICAL)
    try:
        return _attack(world, roles=roles, scenarios=scenarios, urlconf=urlconf, queries=queries)
    finally:
        request_logger.setLevel(level)


def _attack(world: World, *, roles, scenarios, urlconf, queries) -> Report:
    cache.clear()  # throttling counters from earlier tests
    victim = victim_of(world)
    endpoints = cluster_endpoints(urlconf)
    report = Report(endpoints)
    clients = {}
    for role in roles:
        client = APIClient(raise_request_exception=False)
        user = world.b.user_for(role)
        if user is not None:
            client.force_authenticate(user=user)
        clients[role] = client

    # Callers that hold the same roles in the URL's cluster are the same caller to its views
    # (B's admin, operator and viewer are nobody in A): each kind is attacked once.
    callers = {}
    for scenario in scenarios:
        slug = world.a.cluster.slug if scenario == "a" else world.b.cluster.slug
        kinds = {}
        for role in roles:
            kinds.setdefault(_roles_signature(world.b.user_for(role), slug), role)
        callers[scenario] = [role for role in roles if role in kinds.values()]
    for endpoint in endpoints:
        for scenario in scenarios:
            slug = world.a.cluster.slug if scenario == "a" else world.b.cluster.slug
            try:
                targets = path_targets(endpoint, world, victim, slug)
            except CannotExercise as error:
                report.problems.append(f"{endpoint.label}: cannot be exercised: {error}")
                break
            for target in targets:
                url = "/" + endpoint.route % target.kwargs
                sent_ids = {
                    value for key, value in target.kwargs.items() if key not in {"cluster_slug", "format"}
                }
                for method in endpoint.methods():
                    if method in SAFE_METHODS or method == "delete":
                        bodies = [None]
                    else:
                        bodies = [{}, hostile_body(endpoint, world, victim, target.obj)]
                    for body in bodies:
                        body_ids = set(strings_in(body))
                        for role in callers[scenario]:
                            outcome = send(clients[role], method, url, body, victim)
                            report.requests += 1
                            for problem in judge(
                                endpoint,
                                scenario,
                                method,
                                target,
                                outcome,
                                victim,
                                world,
                                sent_ids | body_ids,
                            ):
                                report.problems.append(
                                    f"({scenario}) {role} {method.upper()} {endpoint.label} "
                                    f"{'with A ids in the body ' if body else ''}-> {outcome.status}: {problem}"
                                )
                            # Permissions run before filters: a refused GET is refused whatever
                            # its query string, so only the answered ones are worth attacking.
                            if queries and method == "get" and 200 <= outcome.status < 300:
                                query_attack(
                                    clients[role],
                                    endpoint,
                                    url,
                                    world,
                                    victim,
                                    urlconf,
                                    f"({scenario}) {role} GET {endpoint.label}",
                                    report,
                                )
    return report


@functools.lru_cache(maxsize=64)
def _roles_signature(user, slug):
    from enterprises.selectors.roles import cluster_roles_for

    if user is None:
        return None
    roles = cluster_roles_for(user=user, cluster=Cluster.objects.get(slug=slug))
    return (roles.staff_role, roles.sme_enterprise_ids, roles.partner_enterprise_ids, roles.enterprise_ids)


def attack_platform(world: World, *, roles=ATTACKER_ROLES, urlconf=None, queries=True) -> Report:
    """Cluster data also shows outside the cluster prefix: an enterprise's profile, its policy
    matches, notifications, the policy library with the clusters' local policies, import jobs.
    As anonymous and as every role of cluster B, read and write every platform route with A's
    rows in the path and A's ids in the body and in every query parameter: nothing of A's may
    show, change, or be pointed at."""
    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    request_logger.setLevel(logging.CRITICAL)
    try:
        cache.clear()
        victim = victim_of(world)
        report = Report(platform_endpoints(urlconf))
        clients = {}
        for role in roles:
            clients[role] = APIClient(raise_request_exception=False)
            if world.b.user_for(role) is not None:
                clients[role].force_authenticate(user=world.b.user_for(role))
        for endpoint in report.endpoints:
            try:
                targets = platform_targets(endpoint, victim)
            except CannotExercise as error:
                report.problems.append(f"{endpoint.label}: cannot be exercised: {error}")
                continue
            for target in targets:
                url = "/" + endpoint.route % target.kwargs
                sent = {value for key, value in target.kwargs.items() if key != "format"}
                for method in endpoint.methods():
                    bodies = (
                        [None]
                        if method in SAFE_METHODS or method == "delete"
                        else [{}, hostile_body(endpoint, world, victim, target.obj)]
                    )
                    for body in bodies:
                        for role in roles:
                            outcome = send(clients[role], method, url, body, victim)
                            report.requests += 1
                            problems = judge_platform(
                                method, target, outcome, victim, sent | set(strings_in(body))
                            )
                            report.problems += [
                                f"(platform) {role} {method.upper()} {endpoint.label} "
                                f"{'with A ids in the body ' if body else ''}-> {outcome.status}: {problem}"
                                for problem in problems
                            ]
                            if queries and method == "get" and 200 <= outcome.status < 300:
                                query_attack(
                                    clients[role],
                                    endpoint,
                                    url,
                                    world,
                                    victim,
                                    urlconf,
                                    f"(platform) {role} GET {endpoint.label}",
                                    report,
                                )
        return report
    finally:
        request_logger.setLevel(level)


def query_attack(client, endpoint, url, world, victim, urlconf, describe, report) -> None:
    """Send A's ids in every query parameter of one GET operation the caller may use, all in one
    savepoint that is rolled back after checking that A did not change. In B's URL an id of A's
    must also answer as an unknown id does (no "exists elsewhere" oracle)."""
    parameters = query_parameters(endpoint, "get", urlconf)
    problems = []
    try:
        with transaction.atomic():
            for name, declared in parameters.items():
                control = None
                for value in parameter_values(name, declared, endpoint, world, victim):
                    if form_rejects(declared, name, value):
                        continue  # answered 400 (or ignored) before any row is read
                    outcome = get_outcome(client, url, {name: value})
                    report.query_requests += 1
                    where = f"?{name}=<{victim.secret_ids.get(value) or 'public ' + value}>"
                    if outcome.status >= 500:
                        problems.append(f"{where} -> {outcome.status}: server error")
                    # Links to other pages repeat the query string: that echo is not a leak.
                    text = re.sub(rf"\b{re.escape(name)}={re.escape(value)}", f"{name}=", outcome.text)
                    leaked = victim.leaked(text, {value} if outcome.status >= 400 else set())
                    if leaked:
                        problems.append(
                            f"{where} -> {outcome.status}: leaks {len(leaked)} id(s) of cluster A's "
                            f"non-public rows ({', '.join(f'{lb} {v}' for v, lb in sorted(leaked.items()))})"
                        )
                    if not describe.startswith("(a)") and value in victim.secret_ids and outcome.status < 500:
                        if control is None:
                            control = get_outcome(client, url, {name: str(uuid.uuid4())}).status
                            report.query_requests += 1
                        if outcome.status != control:
                            problems.append(
                                f"{where} -> {outcome.status}, an unknown id -> {control}: "
                                "tells that the id exists in another cluster"
                            )
            with transaction.atomic():
                changed = victim.changed_since_baseline()
            if changed:
                problems.append(f"query-string reads changed cluster A's rows: {', '.join(changed)}")
            raise RollBack
    except RollBack:
        pass
    report.problems += [f"{describe} {problem}" for problem in problems]
