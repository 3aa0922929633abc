"""The cluster's audit log: every agency decision, readable by the cluster's staff only."""

import django_filters
from rest_framework import mixins, serializers

from cluster_platform.api.permissions import IsClusterStaff
from cluster_platform.api.tenancy import ClusterScopedViewSet
from cluster_platform.models import AuditLog


class AuditLogSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.name", allow_null=True, read_only=True, default=None)

    class Meta:
        model = AuditLog
        fields = [
            "id",
            "action",
            "actor",
            "actor_name",
            "target_type",
            "target_id",
            "target_repr",
            "before",
            "after",
            "created_at",
        ]
        read_only_fields = fields


class AuditLogFilter(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditLog
        fields = ["action", "target_type", "target_id", "actor"]


class AuditLogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    model = AuditLog
    serializer_class = AuditLogSerializer
    permission_classes = [IsClusterStaff]
    filterset_class = AuditLogFilter
    ordering_fields = ["created_at"]

    def scoped_queryset(self):
        return AuditLog.objects.select_related("actor").order_by("-created_at", "-id")
