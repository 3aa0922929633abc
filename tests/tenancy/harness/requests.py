"""Building and sending requests: the path arguments that name A's objects, write bodies and
query values that carry A's ids, and one request inside a savepoint that is always rolled back."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

from django.db import DatabaseError, models, transaction
from django.db.utils import InterfaceError
from rest_framework.test import APIClient

from cluster_platform.models import Cluster, User
from enterprises.models import Enterprise
from tests.tenancy.harness.discovery import CannotExercise, Endpoint
from tests.tenancy.harness.victims import Victim
from tests.tenancy.world import World

# URL arguments of platform routes that are not ids: the values that reach something.
PLATFORM_KWARGS = {"version": ["current"]}
SAFE_METHODS = {"get", "head", "options"}


# --- Path arguments and bodies ------------------------------------------------------------------


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
        raise CannotExercise(
            f"unknown URL argument {param!r}: teach tests/tenancy/harness/requests.py about it"
        )
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


def platform_targets(endpoint: Endpoint, victim: Victim) -> list[Target]:
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
                f"no row of cluster A for URL argument {param!r}: teach tests/tenancy/harness/requests.py about it"
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


# --- Query-string values -------------------------------------------------------------------------

# Parameter names that say which model their id names, where the name alone does not.
PARAM_MODELS = {
    "actor": User,
    "user": User,
    "sme": Enterprise,
    "partner": Enterprise,
    "enterprise": Enterprise,
}


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


def parameter_values(name: str, declared, endpoint: Endpoint, world: World, victim: Victim) -> list[str]:
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


def form_rejects(declared, name: str, value: str) -> bool:
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


# --- Sending -------------------------------------------------------------------------------------


def get_outcome(client, url, params) -> Outcome:
    """A GET inside the caller's savepoint; a database error is a server error, not a crash."""
    try:
        with transaction.atomic():
            response = client.get(url, params)
            return Outcome(response.status_code, _response_text(response), None)
    except DatabaseError as error:
        return Outcome(500, str(error), None)


class RollBack(Exception):
    """Raised to leave a savepoint undone: every request sees the same world."""


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
            raise RollBack
    except RollBack:
        pass
    return outcome


def strings_in(value):
    """Every string in a JSON body: the ids a request carried itself, which an error may echo."""
    if isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
    elif isinstance(value, str):
        yield value
