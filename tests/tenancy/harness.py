"""The cross-cluster isolation harness.

It walks every URL pattern under /api/v1/clusters/<cluster_slug>/ from the URL resolver, so a
new endpoint is attacked without anyone listing it, and for every HTTP method the view answers
it sends requests as each role a user can hold in cluster B (the attacker's home):

  (a) against cluster A's URL (A's slug, A's object ids in the path);
  (b) against cluster B's URL with A's object ids in the path (or, for a list route, a body
      that references A's rows).

After every request it checks that the answer contains no id of A's non-public rows, that
the status is one the scenario allows, and, for writes, that none of A's rows changed.
Every request runs inside a savepoint that is rolled back afterwards, so each one sees the
same world whatever the previous request did.

The functions return plain lists of problems; the tests assert they are empty (or, for a
deliberately unscoped view, that they are not).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import uuid
from collections import deque
from dataclasses import dataclass, field

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import FieldError
from django.db import DatabaseError, connection, models, transaction
from django.db.utils import InterfaceError
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize
from rest_framework.test import APIClient

from cluster_platform.api.tenancy import ClusterScopedViewSet
from cluster_platform.models import Cluster, ClusterStaff, User
from enterprises.models import Enterprise, EnterpriseUser, Membership, MembershipStatus
from tests.tenancy.world import ATTACKER_ROLES, LOCAL_APPS, World

CLUSTER_ROUTE = "api/v1/clusters/%(cluster_slug)s/"
SAFE_METHODS = {"get", "head", "options"}
ANY_METHODS = ["get", "post", "put", "patch", "delete"]
# Refusals: nothing done, nothing said. 415 (a body type the endpoint does not take) and 429
# (throttled) refuse as surely as 403 does.
DENIED = {401, 403, 404, 405, 415, 429}
MAX_PATH_DEPTH = 3


class CannotExercise(Exception):
    """A pattern the harness does not know how to fill in: teach it (or fix the world)."""


# --- Discovering the endpoints -----------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One URL pattern under the cluster prefix."""

    route: str  # "api/v1/clusters/%(cluster_slug)s/offerings/%(pk)s/"
    params: tuple[str, ...]
    callback: object
    name: str | None

    @property
    def view_class(self):
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    @property
    def actions(self) -> dict[str, str]:
        """HTTP method -> viewset action (empty for a plain view)."""
        return dict(getattr(self.callback, "actions", None) or {})

    @property
    def template(self) -> str:
        return "/" + self.route % {param: f"<{param}>" for param in self.params}

    @property
    def label(self) -> str:
        view = self.view_class.__name__ if self.view_class else getattr(self.callback, "__name__", "?")
        return f"{self.template} [{view}]"

    def methods(self) -> list[str]:
        if self.actions:
            methods = list(self.actions)
        elif self.view_class is not None:
            methods = [m for m in ANY_METHODS if hasattr(self.view_class, m)]
        else:  # a plain Django view: we cannot know, so try them all
            methods = list(ANY_METHODS)
        return [*[m for m in methods if m not in {"head", "options"}], "options"]

    def action_for(self, method: str) -> str:
        return self.actions.get(method, method)

    @property
    def model(self) -> type[models.Model] | None:
        cls = self.view_class
        model = getattr(cls, "model", None)
        if model is None and getattr(cls, "queryset", None) is not None:
            model = cls.queryset.model
        return model

    @property
    def lookup_kwarg(self) -> str | None:
        cls = self.view_class
        if cls is None or not hasattr(cls, "lookup_field"):
            return None
        return getattr(cls, "lookup_url_kwarg", None) or cls.lookup_field


def cluster_endpoints(urlconf=None) -> list[Endpoint]:
    """Every URL pattern under the cluster prefix, in resolver order. A format-suffix twin
    (".json") of a pattern routes to the same view with the same arguments, so it is left out;
    a pattern that exists only with a format is kept (and asked for JSON)."""
    endpoints = []

    def walk(patterns, prefix):
        for pattern in patterns:
            regex = pattern.pattern.regex.pattern
            regex = regex[1:] if regex.startswith("^") else regex
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + regex)
            elif isinstance(pattern, URLPattern):
                route, params = normalize(prefix + regex)[0]
                if route.startswith(CLUSTER_ROUTE):
                    endpoints.append(Endpoint(route, tuple(params), pattern.callback, pattern.name))

    walk(get_resolver(urlconf).url_patterns, "")
    plain = {(e.callback, e.params) for e in endpoints if "format" not in e.params}
    return [
        e
        for e in endpoints
        if "format" not in e.params or (e.callback, tuple(p for p in e.params if p != "format")) not in plain
    ]


def structural_problems(endpoints: list[Endpoint]) -> list[str]:
    """Every view under the prefix must derive from ClusterScopedViewSet and state, for every
    routed action, who may call it (the base's DenyAll default is safe but says nothing)."""
    problems = []
    for endpoint in endpoints:
        cls = endpoint.view_class
        if cls is None or not issubclass(cls, ClusterScopedViewSet):
            problems.append(
                f"{endpoint.label}: not a ClusterScopedViewSet (a DefaultRouter's root view? "
                "set router.include_root_view = False)"
            )
            continue
        stated_globally = cls.permission_classes is not ClusterScopedViewSet.permission_classes
        for method, action in endpoint.actions.items():
            if method not in cls.http_method_names:
                continue  # routed by the router, refused with 405 by the view
            if not stated_globally and action not in cls.action_permissions:
                problems.append(f"{endpoint.label}: action {action!r} states no permission")
        if getattr(cls, "model", None) is None:
            problems.append(f"{endpoint.label}: sets no `model`")
    return problems


# --- What belongs to cluster A ----------------------------------------------------------------


def _local_models() -> list[type[models.Model]]:
    found = []
    for label in LOCAL_APPS:
        config = apps.get_app_config(label)
        for model in config.get_models(include_auto_created=True):
            found.append(model)
    return found


def _paths_to(model, targets: tuple, depth: int = MAX_PATH_DEPTH) -> dict[type, list[str]]:
    """Forward foreign-key paths from `model` to each of `targets` (stopping at the first
    target reached along a path), e.g. {Cluster: ["cluster", "engagement__cluster"]}."""
    found: dict[type, list[str]] = {}
    queue = deque([(model, "", 0)])
    while queue:
        current, prefix, level = queue.popleft()
        if level >= depth:
            continue
        for relation in current._meta.get_fields():
            if not (relation.concrete and (relation.many_to_one or relation.one_to_one)):
                continue
            related = relation.related_model
            path = f"{prefix}{relation.name}"
            if related in targets:
                found.setdefault(related, []).append(path)
            elif related is not None and related._meta.app_label in LOCAL_APPS:
                queue.append((related, f"{path}__", level + 1))
    return found


def _is_id(value: str) -> bool:
    """Ids worth searching for in a response: UUIDs or other long keys. Short integer keys
    (auto-created M2M tables) would match any number in any body."""
    try:
        uuid.UUID(value)
        return True
    except ValueError:
        return len(value) >= 16


@dataclass
class Victim:
    """Cluster A's data as the harness sees it."""

    cluster: Cluster
    querysets: dict[str, models.QuerySet]  # model label -> A's rows
    rows: dict[type, list[models.Model]]  # model -> A's rows (ordered by pk)
    secret_ids: dict[str, str]  # str(pk) of A's non-public rows -> model label
    public_ids: set[str]
    baseline: dict[str, str] = field(default_factory=dict)

    def snapshot(self) -> dict[str, str]:
        """A digest of A's rows per table, in one query (it runs after every write)."""
        parts, params = [], []
        for label, queryset in self.querysets.items():
            fields = [f.attname for f in queryset.model._meta.concrete_fields]
            sql, sql_params = queryset.order_by().values_list(*fields).query.sql_with_params()
            parts.append(
                f"SELECT %s, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM ({sql}) t"
            )
            params += [label, *sql_params]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            return dict(cursor.fetchall())

    def changed_since_baseline(self) -> list[str]:
        now = self.snapshot()
        return sorted(label for label, digest in now.items() if self.baseline.get(label) != digest)

    def leaked(self, text: str, ignore: set[str]) -> dict[str, str]:
        return {
            value: label
            for value, label in self.secret_ids.items()
            if value not in ignore and (value in text or value.replace("-", "") in text)
        }

    def objects_of(self, model, endpoint: Endpoint | None = None) -> list[models.Model]:
        """A's rows of `model` for a detail route: one non-public and one public if there are.
        A cluster-scoped view's own `cluster_field` picks them when it has one."""
        cls = endpoint.view_class if endpoint else None
        cluster_field = getattr(cls, "cluster_field", None) if cls else None
        if cluster_field and model is not None:
            try:
                in_a = model._base_manager.filter(**{cluster_field: self.cluster})
            except FieldError:
                raise CannotExercise(
                    f"cluster_field {cluster_field!r} is not a path from {model._meta.label} to a cluster"
                ) from None
            rows = list(in_a.distinct().order_by("pk")[:200])
        else:
            rows = self.rows.get(model, [])
        secret = [row for row in rows if str(row.pk) in self.secret_ids]
        public = [row for row in rows if str(row.pk) in self.public_ids]
        return secret[:1] + public[:1]

    def model_named(self, name: str):
        wanted = name.replace("_", "").lower()
        for model in self.rows:
            if model._meta.model_name == wanted:
                return model
        return None


def victim_of(world: World) -> Victim:
    """Collect cluster A's rows: every row of a local model with a path to cluster A, and,
    for rows with no cluster (or a null one), those of A's enterprises and A's users.
    The attacker's own enterprises and users are not A's secrets."""
    a_cluster, b_cluster = world.a.cluster, world.b.cluster
    # What the attacker may know already: their own people and enterprises, and whoever is
    # also on cluster B's staff or an approved member of cluster B.
    b_enterprises = set(
        Membership.objects.filter(cluster=b_cluster, status=MembershipStatus.APPROVED).values_list(
            "enterprise_id", flat=True
        )
    )
    attacker_users = {world.b.user_for(role).pk for role in ATTACKER_ROLES if role != "anonymous"}
    attacker_users |= set(ClusterStaff.objects.filter(cluster=b_cluster).values_list("user_id", flat=True))
    attacker_users |= set(
        EnterpriseUser.objects.filter(enterprise_id__in=b_enterprises).values_list("user_id", flat=True)
    )
    attacker_enterprises = b_enterprises | set(
        EnterpriseUser.objects.filter(user_id__in=attacker_users).values_list("enterprise_id", flat=True)
    )
    a_enterprises = (
        set(Membership.objects.filter(cluster=a_cluster).values_list("enterprise_id", flat=True))
        | {world.a.sme.pk, world.a.partner.pk}
    ) - attacker_enterprises
    a_users = (
        set(ClusterStaff.objects.filter(cluster=a_cluster).values_list("user_id", flat=True))
        | set(
            EnterpriseUser.objects.filter(enterprise_id__in=a_enterprises).values_list("user_id", flat=True)
        )
    ) - attacker_users
    anchors = {Cluster: [a_cluster.pk], Enterprise: list(a_enterprises), User: list(a_users)}

    querysets, rows, secret_ids = {}, {}, {}
    public_ids = set(world.public_ids) | {str(a_cluster.pk)}
    for model in _local_models():
        if model in anchors:
            condition = models.Q(pk__in=anchors[model])
        else:
            paths = _paths_to(model, tuple(anchors))
            cluster_paths = paths.get(Cluster, [])
            owner = models.Q()
            for target in (Enterprise, User):
                for path in paths.get(target, []):
                    owner |= models.Q(**{f"{path}__in": anchors[target]})
            if cluster_paths:
                in_a = functools.reduce(
                    lambda q, path: q | models.Q(**{path: a_cluster.pk}), cluster_paths, models.Q()
                )
                no_cluster = functools.reduce(
                    lambda q, path: q & models.Q(**{f"{path}__isnull": True}), cluster_paths, models.Q()
                )
                condition = in_a | (no_cluster & owner) if owner else in_a
            elif owner:
                condition = owner
            else:
                continue  # platform-wide (categories, the policy library)
        manager = model._base_manager
        queryset = manager.filter(pk__in=manager.filter(condition).values("pk"))
        querysets[model._meta.label] = queryset
        if model._meta.auto_created:
            continue
        instances = list(queryset.order_by("pk"))
        rows[model] = instances
        for instance in instances:
            value = str(instance.pk)
            if _is_id(value) and value not in public_ids:
                secret_ids[value] = model._meta.label
    victim = Victim(a_cluster, querysets, rows, secret_ids, public_ids)
    victim.baseline = victim.snapshot()
    return victim


# --- Building requests --------------------------------------------------------------------------


def _lookup_value(obj, lookup_field: str) -> str:
    value = obj.pk if lookup_field == "pk" else functools.reduce(getattr, lookup_field.split("__"), obj)
    return str(value)


@dataclass
class Target:
    """The path arguments of one request, and the objects they name."""

    kwargs: dict[str, str]
    obj: models.Model | None = None
    names_a_object: bool = False


def path_targets(endpoint: Endpoint, world: World, victim: Victim, slug: str) -> list[Target]:
    """The path arguments to try for one endpoint: one set per A object picked for a detail
    route (a non-public one and a public one), a single set for a list route."""
    lookup = endpoint.lookup_kwarg
    other_params = [p for p in endpoint.params if p not in {"cluster_slug", "format", lookup}]
    if lookup in endpoint.params:
        model = endpoint.model
        if model is None:
            raise CannotExercise(f"detail route without a model (set `model` on {endpoint.view_class})")
        objects = victim.objects_of(model, endpoint)
        if not objects:
            raise CannotExercise(
                f"cluster A has no {model._meta.label} row: create one in tests/{model._meta.app_label}/world.py"
            )
    else:
        objects = [None]
    targets = []
    for obj in objects:
        kwargs = {"cluster_slug": slug}
        if "format" in endpoint.params:
            kwargs["format"] = "json"
        if obj is not None:
            kwargs[lookup] = _lookup_value(obj, endpoint.view_class.lookup_field)
        for param in other_params:
            kwargs[param] = _parent_value(param, obj, victim)
        names_a_object = any(key not in {"cluster_slug", "format"} for key in kwargs)
        targets.append(Target(kwargs, obj, names_a_object=names_a_object))
    return targets


def _parent_value(param: str, child, victim: Victim) -> str:
    """A nested route's parent argument, e.g. `offering_pk`: the child's own parent if it has
    one, else any of A's rows of the model the argument names."""
    base = re.sub(r"_(pk|id|uuid|slug)$", "", param)
    model = victim.model_named(base)
    if model is None:
        raise CannotExercise(f"unknown URL argument {param!r}: teach tests/tenancy/harness.py about it")
    if child is not None:
        for relation in child._meta.concrete_fields:
            if relation.is_relation and relation.related_model is model:
                parent = getattr(child, relation.name)
                if parent is not None:
                    return str(parent.slug if param.endswith("_slug") else parent.pk)
    rows = victim.rows.get(model) or []
    if not rows:
        raise CannotExercise(f"cluster A has no {model._meta.label} row for URL argument {param!r}")
    return str(rows[0].slug if param.endswith("_slug") else rows[0].pk)


def hostile_body(endpoint: Endpoint, world: World, victim: Victim, obj) -> dict:
    """A plausible write body that points at A's rows wherever the model has a relation."""
    a = world.a
    body = {
        "id": str(obj.pk) if obj is not None else str(a.sme.pk),
        "cluster": str(a.cluster.pk),
        "enterprise": str(a.sme.pk),
        "sme": str(a.sme.pk),
        "partner": str(a.partner.pk),
        "user": str(a.sme_user.pk),
    }
    model = endpoint.model
    if model is not None:
        for relation in model._meta.get_fields():
            if not relation.concrete or not relation.is_relation or relation.auto_created:
                continue
            candidates = victim.objects_of(relation.related_model) or victim.rows.get(
                relation.related_model, []
            )
            if not candidates:
                continue
            value = str(candidates[0].pk)
            body[relation.name] = [value] if relation.many_to_many else value
    return body


# --- Sending and judging ---------------------------------------------------------------------------


class _RollBack(Exception):
    pass


@dataclass
class Outcome:
    status: int
    text: str
    changed: list[str] | None  # None: not checked (a read) or could not be checked


def _response_text(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    headers = " ".join(f"{key}: {value}" for key, value in response.headers.items())
    return content.decode("utf-8", "replace") + "\n" + headers


def send(client: APIClient, method: str, url: str, body, victim: Victim) -> Outcome:
    """One request inside a savepoint that is always rolled back; for a write, compare A's
    rows with the baseline before rolling back."""
    outcome = None
    try:
        with transaction.atomic():
            kwargs = {}
            if body is not None:
                kwargs = {"data": json.dumps(body), "content_type": "application/json"}
            response = client.generic(method.upper(), url, **kwargs)
            changed = None
            if method not in SAFE_METHODS:
                try:
                    with transaction.atomic():
                        changed = victim.changed_since_baseline()
                except (DatabaseError, InterfaceError):
                    changed = None
                except transaction.TransactionManagementError:
                    changed = None
            outcome = Outcome(response.status_code, _response_text(response), changed)
            raise _RollBack
    except _RollBack:
        pass
    return outcome


@dataclass
class Report:
    endpoints: list[Endpoint]
    problems: list[str] = field(default_factory=list)
    requests: int = 0


def attack(world: World, *, roles=ATTACKER_ROLES, scenarios=("a", "b"), urlconf=None) -> Report:
    """Attack cluster A through every cluster endpoint from every role in cluster B."""
    # Thousands of refused requests would each log a warning; the report says what matters.
    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    request_logger.setLevel(logging.CRITICAL)
    try:
        return _attack(world, roles=roles, scenarios=scenarios, urlconf=urlconf)
    finally:
        request_logger.setLevel(level)


def _attack(world: World, *, roles, scenarios, urlconf) -> Report:
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
                        body_ids = set(_strings(body))
                        for role in roles:
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
    return report


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


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
    if outcome.changed and not (scenario == "a" and public_action):
        problems.append(f"changed cluster A's rows: {', '.join(outcome.changed)}")
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
