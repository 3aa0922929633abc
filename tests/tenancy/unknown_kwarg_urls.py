"""A test-only URLconf: a cluster route with an argument the harness cannot fill in, and one
that exists only with a format suffix."""

from django.urls import path
from rest_framework import mixins

from cluster_platform.api.permissions import IsClusterStaff
from cluster_platform.api.tenancy import ClusterScopedViewSet
from cluster_platform.models import AuditLog
from cluster_platform.urls import CLUSTER_PREFIX


class GizmoViewSet(mixins.ListModelMixin, ClusterScopedViewSet):
    model = AuditLog
    permission_classes = [IsClusterStaff]


urlpatterns = [
    path(f"{CLUSTER_PREFIX}gizmos/<str:gizmo_ref>/", GizmoViewSet.as_view({"get": "list"})),
    path(f"{CLUSTER_PREFIX}gizmo-report.<str:format>", GizmoViewSet.as_view({"get": "list"})),
]
