"""Cluster-scoped API of the tenancy core: the agency's staff roster and its audit log."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from cluster_platform import staff as staff_services
from cluster_platform.api.permissions import IsClusterAdmin, IsClusterStaff
from cluster_platform.api.tenancy import ClusterScopedViewSet
from cluster_platform.models import AuditLog, ClusterStaff, StaffRole
from cluster_platform.selectors import audit_log_list


class ClusterStaffSerializer(serializers.ModelSerializer):
    user_id = serializers.UUIDField(source="user.id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.name", read_only=True)

    class Meta:
        model = ClusterStaff
        fields = ["id", "user_id", "email", "name", "role", "created_at"]
        read_only_fields = fields


class ClusterStaffAddSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=StaffRole.choices)


class ClusterStaffRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=StaffRole.choices)


class ClusterStaffViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ClusterScopedViewSet,
):
    """The agency's staff: every staff member reads it, admins change it."""

    model = ClusterStaff
    serializer_class = ClusterStaffSerializer
    filterset_fields = ["role"]
    ordering_fields: list[str] = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    permission_classes = [IsClusterStaff]
    action_permissions = {
        "create": [IsClusterAdmin],
        "partial_update": [IsClusterAdmin],
        "destroy": [IsClusterAdmin],
    }

    def scoped_queryset(self):
        return ClusterStaff.objects.select_related("user").order_by("user__email", "id")

    @extend_schema(request=ClusterStaffAddSerializer, responses={201: ClusterStaffSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ClusterStaffAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        staff = staff_services.staff_add(cluster=self.cluster, by=request.user, **serializer.validated_data)
        return Response(ClusterStaffSerializer(staff).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ClusterStaffRoleSerializer, responses={200: ClusterStaffSerializer})
    def partial_update(self, request, *args, **kwargs):
        staff = self.get_object()
        serializer = ClusterStaffRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        staff = staff_services.staff_change_role(
            staff=staff, role=serializer.validated_data["role"], by=request.user
        )
        return Response(ClusterStaffSerializer(staff).data)

    def destroy(self, request, *args, **kwargs):
        staff_services.staff_remove(staff=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuditLogSerializer(serializers.ModelSerializer):
    actor = serializers.UUIDField(source="actor_id", read_only=True, allow_null=True)
    actor_email = serializers.EmailField(source="actor.email", read_only=True, allow_null=True, default=None)

    class Meta:
        model = AuditLog
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_email",
            "action",
            "target_type",
            "target_id",
            "target_repr",
            "before",
            "after",
        ]
        read_only_fields = fields


class AuditLogFilter(django_filters.FilterSet):
    action = django_filters.CharFilter()
    actor = django_filters.UUIDFilter(field_name="actor_id")
    target_type = django_filters.CharFilter()
    target_id = django_filters.CharFilter()
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditLog
        fields = ["action", "actor", "target_type", "target_id", "created_after", "created_before"]


class AuditLogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    """Who decided what, newest first; agency staff only."""

    model = AuditLog
    serializer_class = AuditLogSerializer
    filterset_class = AuditLogFilter
    ordering_fields: list[str] = []
    permission_classes = [IsClusterStaff]

    def scoped_queryset(self):
        return audit_log_list(cluster=self.cluster)
