"""`/api/v1/clusters/`: the public list of active clusters, and the platform operators' writes.

Anyone lists and reads the active clusters (the entry point to each cluster's API). Platform
operators also see inactive ones (`?include_inactive=true`), create clusters (with their first
agency admin), change them, deactivate and reactivate them, and appoint agency admins.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from cluster_platform.api.cluster_views import ClusterStaffSerializer
from cluster_platform.api.serializers import ClusterSerializer
from cluster_platform.models import Cluster
from console.api.permissions import IsPlatformOperator, is_platform_operator
from console.api.serializers.clusters import (
    ClusterAdminAppointSerializer,
    ClusterCreateSerializer,
    ClusterOperatorSerializer,
    ClusterUpdateSerializer,
)
from console.services import clusters as cluster_services


class ClusterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The platform's clusters: public when active; operators run them."""

    lookup_field = "slug"
    filterset_fields = ["region_code"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    permission_classes = [IsPlatformOperator]
    action_permissions = {"list": [AllowAny], "retrieve": [AllowAny]}

    def get_permissions(self):
        return [
            permission() for permission in self.action_permissions.get(self.action, self.permission_classes)
        ]

    def get_queryset(self):
        clusters = Cluster.objects.order_by("slug")
        operator = is_platform_operator(self.request.user)
        wants_inactive = self.request.query_params.get("include_inactive") == "true" or self.action != "list"
        if operator and wants_inactive:
            return clusters
        return clusters.filter(is_active=True)

    def get_serializer_class(self):
        if is_platform_operator(getattr(self.request, "user", None)):
            return ClusterOperatorSerializer
        return ClusterSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "include_inactive", bool, description="Operators only: deactivated clusters too."
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ClusterCreateSerializer, responses={201: ClusterOperatorSerializer})
    def create(self, request, *args, **kwargs):
        data = ClusterCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        first_admin = values.pop("first_admin_email", None)
        cluster = cluster_services.cluster_create(
            values=values, by=request.user, first_admin_email=first_admin
        )
        return Response(ClusterOperatorSerializer(cluster).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ClusterUpdateSerializer, responses=ClusterOperatorSerializer)
    def partial_update(self, request, *args, **kwargs):
        cluster = self.get_object()
        data = ClusterUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        cluster = cluster_services.cluster_update(
            cluster=cluster, changes=dict(data.validated_data), by=request.user
        )
        return Response(ClusterOperatorSerializer(cluster).data)

    @extend_schema(
        request=None,
        responses=ClusterOperatorSerializer,
        summary="Deactivate a cluster (keeps its data)",
        tags=["clusters"],
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, *args, **kwargs):
        cluster = cluster_services.cluster_set_active(
            cluster=self.get_object(), active=False, by=request.user
        )
        return Response(ClusterOperatorSerializer(cluster).data)

    @extend_schema(
        request=None, responses=ClusterOperatorSerializer, summary="Reactivate a cluster", tags=["clusters"]
    )
    @action(detail=True, methods=["post"])
    def reactivate(self, request, *args, **kwargs):
        cluster = cluster_services.cluster_set_active(cluster=self.get_object(), active=True, by=request.user)
        return Response(ClusterOperatorSerializer(cluster).data)

    @extend_schema(
        request=ClusterAdminAppointSerializer,
        responses={201: ClusterStaffSerializer},
        summary="Appoint an agency admin",
        tags=["clusters"],
    )
    @action(detail=True, methods=["post"], url_path="admins")
    def appoint_admin(self, request, *args, **kwargs):
        cluster = self.get_object()
        data = ClusterAdminAppointSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        staff = cluster_services.cluster_admin_appoint(
            cluster=cluster, email=data.validated_data["email"], by=request.user
        )
        return Response(ClusterStaffSerializer(staff).data, status=status.HTTP_201_CREATED)
