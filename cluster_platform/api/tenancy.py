"""The cluster-scoped API base: every view under /api/v1/clusters/{cluster_slug}/ derives from it.

It resolves the cluster and the caller's roles before permissions run, and it owns
`get_queryset`: subclasses narrow the rows with the `scoped_queryset` hook, and the base
always adds the cluster filter afterwards, so a forgotten filter cannot leak another
cluster's rows. Another cluster's object therefore answers 404, exactly like a missing one.
"""

from django.db import models
from rest_framework import viewsets

from cluster_platform.api.permissions import DenyAll
from cluster_platform.selectors import cluster_get_active
from enterprises.selectors.roles import cluster_roles_for

UUID_LOOKUP_REGEX = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class ClusterScopedViewSet(viewsets.GenericViewSet):
    model: type[models.Model]
    # Path from the model to its Cluster, e.g. "cluster" or "engagement__cluster".
    cluster_field = "cluster"
    # Deny by default: a subclass states who may do what, per action if it differs.
    permission_classes = [DenyAll]
    action_permissions: dict[str, list] = {}
    lookup_value_regex = UUID_LOOKUP_REGEX

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for owned in ("get_queryset", "get_object", "initial"):
            if owned in cls.__dict__:
                raise TypeError(
                    f"{cls.__name__} overrides {owned}(); implement scoped_queryset() instead "
                    "so that the cluster filter cannot be bypassed."
                )

    def initial(self, request, *args, **kwargs):
        self.cluster = cluster_get_active(slug=kwargs["cluster_slug"])
        self.roles = cluster_roles_for(user=request.user, cluster=self.cluster)
        super().initial(request, *args, **kwargs)

    def get_permissions(self):
        classes = self.action_permissions.get(self.action, self.permission_classes)
        return [permission() for permission in classes]

    def scoped_queryset(self) -> models.QuerySet:
        """Hook: narrow by the caller's roles, annotate, order. The cluster filter is added by the base."""
        return self.model._default_manager.all()

    def cluster_filter(self) -> models.Q:
        """The condition that confines rows to this cluster; the base applies it last.

        Override only in a view that also shows platform-wide rows next to the cluster's own
        (the policy library in a cluster's view), and never widen it to another cluster's rows.
        """
        return models.Q(**{self.cluster_field: self.cluster})

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no cluster
            return self.model._default_manager.none()
        return self.scoped_queryset().filter(self.cluster_filter())

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["cluster"] = getattr(self, "cluster", None)
        context["roles"] = getattr(self, "roles", None)
        return context
