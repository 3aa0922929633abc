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
PLATFORM_ROUTE = "api/v1/"
# Signing in, out and up are throttled and hold no cluster data; the schema describes, it holds none.
PLATFORM_EXCLUDED = ("api/v1/auth/", "api/v1/schema")
# URL arguments of platform routes that are not ids: the values that reach something.
PLATFORM_KWARGS = {"version": ["current"]}
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
        serializer_meta = getattr(getattr(cls, "serializer_class", None), "Meta", None)
        if model is None and serializer_meta is not None:
            model = getattr(serializer_meta, "model", None)
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
    return _endpoints(urlconf, lambda route: route.startswith(CLUSTER_ROUTE))


def platform_endpoints(urlconf=None) -> list[Endpoint]:
    """Every URL pattern of the API outside the cluster prefix (the enterprise registry, the
    policy library, notifications, the caller's account...) but the sign-in ones and the schema."""
    return _endpoints(
        urlconf,
        lambda route: (
            route.startswith(PLATFORM_ROUTE) and not route.startswith((CLUSTER_ROUTE, *PLATFORM_EXCLUDED))
        ),
    )


def _endpoints(urlconf, wanted) -> list[Endpoint]:
    endpoints = []

    def walk(patterns, prefix):
        for pattern in patterns:
            regex = pattern.pattern.regex.pattern
            regex = regex[1:] if regex.startswith("^") else regex
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + regex)
            elif isinstance(pattern, URLPattern):
                route, params = normalize(prefix + regex)[0]
                if wanted(route):
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
    # "<label>" -> rows outside cluster A that reference A's cluster-owned rows through one field
    references: dict[str, models.QuerySet] = field(default_factory=dict)
    baseline: dict[str, str] = field(default_factory=dict)

    def snapshot(self) -> dict[str, str]:
        """A digest of A's rows per table, and a count of the rows elsewhere that point at A's
        cluster-owned rows, in one query (it runs after every write)."""
        parts, params = [], []
        for label, queryset in self.querysets.items():
            fields = [f.attname for f in queryset.model._meta.concrete_fields]
            sql, sql_params = queryset.order_by().values_list(*fields).query.sql_with_params()
            parts.append(
                f"SELECT %s, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM ({sql}) t"
            )
            params += [label, *sql_params]
        for label, queryset in self.references.items():
            sql, sql_params = queryset.order_by().values_list("pk").query.sql_with_params()
            parts.append(f"SELECT %s, count(*)::text FROM ({sql}) t")
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
            lookup = getattr(cls, "lookup_field", "pk")
            if lookup not in ("pk", "id"):
                # A lookup that is not the row's own id (an enterprise id for a membership) may
                # name a row of another cluster too: such a row does not name A's object alone.
                elsewhere = model._base_manager.exclude(**{cluster_field: self.cluster}).values(lookup)
                in_a = in_a.exclude(**{f"{lookup}__in": elsewhere})
            rows = list(in_a.distinct().order_by("pk")[:200])
        else:
            rows = self.rows.get(model, [])
        secret = [row for row in rows if str(row.pk) in self.secret_ids]
        public = [row for row in rows if str(row.pk) in self.public_ids]
        return secret[:1] + public[:1]

    @property
    def any_secret_id(self) -> str:
        return next(iter(sorted(self.secret_ids)))

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

    querysets, rows, secret_ids, cluster_paths_of = {}, {}, {}, {}
    public_ids = set(world.public_ids) | {str(a_cluster.pk)}
    for model in _local_models():
        if model in anchors:
            condition = models.Q(pk__in=anchors[model])
        else:
            paths = _paths_to(model, tuple(anchors))
            # A row belongs to the cluster its nearest path names: a row of B that points at
            # A's offering is B's row (and a cross-cluster reference), not one of A's.
            cluster_paths = paths.get(Cluster, [])
            nearest = min((path.count("__") for path in cluster_paths), default=0)
            cluster_paths = [path for path in cluster_paths if path.count("__") == nearest]
            cluster_paths_of[model] = cluster_paths
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
    references = _references(rows, querysets, cluster_paths_of, a_cluster)
    victim = Victim(a_cluster, querysets, rows, secret_ids, public_ids, references)
    victim.baseline = victim.snapshot()
    return victim


REFERENCE_PREFIX = "reference to A: "


def _references(rows, querysets, cluster_paths_of, a_cluster) -> dict[str, models.QuerySet]:
    """For every foreign key of a local model that can point at a cluster-owned row, the rows
    outside cluster A that point at one of A's rows. A row created in B that names A's
    offering, demand, run or policy shows up here, whatever the endpoint did."""
    found = {}
    for model in _local_models():
        for relation in model._meta.concrete_fields:
            if not relation.is_relation or not (relation.many_to_one or relation.one_to_one):
                continue
            target = relation.related_model
            if not cluster_paths_of.get(target) or not rows.get(target):
                continue  # platform-wide targets (enterprises, users, categories), or none in A
            pointing = model._base_manager.filter(
                **{f"{relation.name}__in": [row.pk for row in rows[target]]}
            )
            paths = cluster_paths_of.get(model)
            if paths:
                pointing = pointing.exclude(
                    functools.reduce(lambda q, path: q | models.Q(**{path: a_cluster.pk}), paths, models.Q())
                )
            elif model._meta.label in querysets:
                pointing = pointing.exclude(pk__in=querysets[model._meta.label].values("pk"))
            found[f"{REFERENCE_PREFIX}{model._meta.label}.{relation.name}"] = pointing
    return found


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


# --- Query-string parameters -------------------------------------------------------------------

# Paging and the response format are not filters; everything else that a list or a GET action
# accepts gets A's ids.
NOT_FILTERS = {"page", "page_size", "cursor", "limit", "offset", "format"}
# Parameter names that say which model their id names, where the name alone does not.
PARAM_MODELS = {
    "actor": User,
    "user": User,
    "sme": Enterprise,
    "partner": Enterprise,
    "enterprise": Enterprise,
}


def _shape(path: str) -> str:
    return re.sub(r"(\{[^}]+\}|<[^>]+>)", "{}", path)


@functools.cache
def _schema_query_parameters(urlconf) -> dict[tuple[str, str], tuple[str, ...]]:
    """(path shape, method) -> the query parameters drf-spectacular documents for it."""
    from drf_spectacular.generators import SchemaGenerator

    schema_logger = logging.getLogger("drf_spectacular")
    level = schema_logger.level
    schema_logger.setLevel(logging.CRITICAL)  # test-only URLconfs are not annotated
    try:
        schema = SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    finally:
        schema_logger.setLevel(level)
    found = {}
    for path, operations in (schema.get("paths") or {}).items():
        for method, operation in operations.items():
            if isinstance(operation, dict):
                names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
                found[(_shape(path), method.lower())] = tuple(names)
    return found


def _filterset_parameters(endpoint: Endpoint, method: str) -> dict[str, object]:
    """The query parameters of the view's filterset for this action (name -> its Filter), with
    the per-action overrides a router passes (`@action(filterset_class=None)`)."""
    from django_filters.filterset import filterset_factory
    from django_filters.rest_framework import DjangoFilterBackend
    from rest_framework.filters import SearchFilter
    from rest_framework.settings import api_settings

    cls = endpoint.view_class
    if cls is None:
        return {}
    view = cls(**(getattr(endpoint.callback, "initkwargs", None) or {}))
    view.action = endpoint.action_for(method)
    backends = getattr(view, "filter_backends", None) or api_settings.DEFAULT_FILTER_BACKENDS
    found: dict[str, object] = {}
    if any(issubclass(backend, DjangoFilterBackend) for backend in backends):
        filterset_class = getattr(view, "filterset_class", None)
        fields = getattr(view, "filterset_fields", None)
        if filterset_class is None and fields and endpoint.model is not None:
            filterset_class = filterset_factory(endpoint.model, fields=fields)
        for name, declared in filterset_class.base_filters.items() if filterset_class else ():
            suffixes = getattr(declared.field.widget, "suffixes", None)
            for suffix in suffixes or [""]:
                found[f"{name}_{suffix}" if suffix else name] = declared
    for backend in backends:
        # OrderingFilter is left out: it drops every term that is not an ordering field, and
        # an id never is one.
        if issubclass(backend, SearchFilter) and getattr(view, "search_fields", None):
            found.setdefault(backend.search_param, None)
    return found


def query_parameters(endpoint: Endpoint, method: str, urlconf=None) -> dict[str, object]:
    """Every query parameter an operation takes: its filterset's and those in the OpenAPI schema."""
    from django.conf import settings
    from rest_framework.settings import api_settings

    found = _filterset_parameters(endpoint, method)
    for name in _schema_query_parameters(urlconf or settings.ROOT_URLCONF).get(
        (_shape(endpoint.template), method), ()
    ):
        # DRF's ordering drops every term that is not an ordering field; an id never is one.
        if name != api_settings.ORDERING_PARAM:
            found.setdefault(name, None)
    return {name: declared for name, declared in found.items() if name not in NOT_FILTERS}


def _related_model(model, path: str):
    """The model a lookup path on `model` ends at, if it ends at a relation."""
    current = model
    for part in path.split("__"):
        if current is None:
            return None
        try:
            relation = current._meta.get_field(part)
        except Exception:
            try:
                relation = current._meta.get_field(re.sub(r"_(id|pk)$", "", part))
            except Exception:
                return None
        if not relation.is_relation:
            return None
        current = relation.related_model
    return current if current is not model else None


def _parameter_values(name: str, declared, endpoint: Endpoint, world: World, victim: Victim) -> list[str]:
    """A's ids to put in one query parameter: rows of the model it names (a non-public and a
    public one), else A's SME and one of A's rows of the view's own model."""
    to_field = None
    model = None
    if declared is not None:
        queryset = declared.extra.get("queryset")
        if isinstance(queryset, models.QuerySet):
            model, to_field = queryset.model, declared.extra.get("to_field_name")
        elif endpoint.model is not None:
            model = _related_model(endpoint.model, declared.field_name)
    if model is None and endpoint.model is not None:
        model = _related_model(endpoint.model, name)
    base = re.sub(r"_(id|pk|uuid|in)$", "", name)
    model = model or PARAM_MODELS.get(base) or victim.model_named(base)
    if model is Cluster:
        return [str(victim.cluster.pk), victim.cluster.slug]
    rows = victim.objects_of(model) if model is not None else []
    if model is Enterprise:
        rows = [world.a.sme, world.a.partner]
    if not rows:
        rows = [world.a.sme, *victim.objects_of(endpoint.model)[:1]]
    values = []
    for row in rows:
        value = str(getattr(row, to_field) if to_field and isinstance(row, model) else row.pk)
        if value not in values:
            values.append(value)
    return values


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
                for value in _parameter_values(name, declared, endpoint, world, victim):
                    if _form_rejects(declared, name, value):
                        continue  # answered 400 (or ignored) before any row is read
                    outcome = _get(client, url, {name: value})
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
                            control = _get(client, url, {name: str(uuid.uuid4())}).status
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
            raise _RollBack
    except _RollBack:
        pass
    report.problems += [f"{describe} {problem}" for problem in problems]


def _form_rejects(declared, name: str, value: str) -> bool:
    """Whether the filterset's form refuses this value for this parameter: django-filter
    validates the whole query string before it filters, so such a value never reaches a
    queryset and need not be sent (an id in `?status=` or `?region=`)."""
    from django.core.exceptions import ValidationError
    from django.http import QueryDict

    if declared is None:
        return False
    try:
        field = declared.field
        if getattr(field.widget, "suffixes", None):
            return False
        data = QueryDict(mutable=True)
        data.setlist(name, [value])
        raw = field.widget.value_from_datadict(data, {}, name)
        field.clean(raw)
    except ValidationError:
        return True
    except Exception:
        return False
    return False


def _get(client, url, params) -> Outcome:
    try:
        with transaction.atomic():
            response = client.get(url, params)
            return Outcome(response.status_code, _response_text(response), None)
    except DatabaseError as error:
        return Outcome(500, str(error), None)


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
                        body_ids = set(_strings(body))
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


# --- The platform-wide API -------------------------------------------------------------------


def _platform_targets(endpoint: Endpoint, victim: Victim) -> list[Target]:
    """Path arguments for a platform route: A's rows of the view's model (for its lookup) or
    of the model an argument names (`enterprise_id`), a non-public and a public one each."""
    params = [p for p in endpoint.params if p != "format"]
    if not params:
        return [Target({"format": "json"} if "format" in endpoint.params else {})]
    choices = []
    for param in params:
        if param in PLATFORM_KWARGS:
            choices.append([(value, None) for value in PLATFORM_KWARGS[param]])
            continue
        model = endpoint.model if param == endpoint.lookup_kwarg else None
        model = model or victim.model_named(re.sub(r"_(pk|id|uuid|slug)$", "", param))
        if model is None or model not in victim.rows:
            # Platform data (reference tables, categories, the library): probe with an id of A's.
            choices.append([(str(victim.any_secret_id), None)])
            continue
        rows = victim.objects_of(model)
        if not rows:
            raise CannotExercise(
                f"no row of cluster A for URL argument {param!r}: teach tests/tenancy/harness.py about it"
            )
        choices.append([(str(row.pk), row) for row in rows])
    targets = []
    for index in range(max(len(values) for values in choices)):
        kwargs, obj = {}, None
        for param, values in zip(params, choices, strict=True):
            value, row = values[min(index, len(values) - 1)]
            kwargs[param] = value
            obj = obj or row
        if "format" in endpoint.params:
            kwargs["format"] = "json"
        targets.append(Target(kwargs, obj, names_a_object=obj is not None))
    return targets


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
                targets = _platform_targets(endpoint, victim)
            except CannotExercise as error:
                report.problems.append(f"{endpoint.label}: cannot be exercised: {error}")
                continue
            for target in targets:
                url = "/" + endpoint.route % target.kwargs
                sent = {value for key, value in target.kwargs.items() if key != "format"}
                secret = target.obj is not None and str(target.obj.pk) in victim.secret_ids
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
                            problems = []
                            if outcome.status >= 500:
                                problems.append("server error")
                            ignore = (sent | set(_strings(body))) if outcome.status >= 400 else set()
                            leaked = victim.leaked(outcome.text, ignore)
                            if leaked:
                                shown = ", ".join(f"{lb} {v}" for v, lb in sorted(leaked.items()))
                                problems.append(
                                    f"leaks {len(leaked)} id(s) of cluster A's non-public rows ({shown})"
                                )
                            if method == "get" and secret and 200 <= outcome.status < 300:
                                problems.append(f"reads cluster A's non-public {target.obj._meta.label}")
                            if outcome.changed:
                                problems.append(f"changed cluster A's rows: {', '.join(outcome.changed)}")
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
