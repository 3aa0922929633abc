"""Discovering what to attack: every URL pattern of the API from the resolver, the methods
its view answers, the model it serves, and the query parameters each operation takes."""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass

from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize

from cluster_platform.api.tenancy import ClusterScopedViewSet

CLUSTER_ROUTE = "api/v1/clusters/%(cluster_slug)s/"
PLATFORM_ROUTE = "api/v1/"
# Signing in, out and up are throttled and hold no cluster data; the schema describes, it holds none.
PLATFORM_EXCLUDED = ("api/v1/auth/", "api/v1/schema")
ANY_METHODS = ["get", "post", "put", "patch", "delete"]


class CannotExercise(Exception):
    """A pattern the harness does not know how to fill in: teach it (or fix the world)."""


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


def api_endpoints(urlconf=None) -> list[Endpoint]:
    """Every URL pattern of the API, cluster and platform routes, sign-in and the schema included."""
    return _endpoints(urlconf, lambda route: route.startswith(PLATFORM_ROUTE))


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


# Paging and the response format are not filters; everything else that a list or a GET action
# accepts gets A's ids.
NOT_FILTERS = {"page", "page_size", "cursor", "limit", "offset", "format"}


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
