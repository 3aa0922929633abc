"""A test-only URLconf with a properly scoped read-write viewset under the cluster prefix,
with extra actions (one returns CSV): the harness must find nothing wrong with it."""

import csv
import io

from django.http import HttpResponse
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from cluster_platform.api.permissions import (
    IsAuthenticatedUser,
    IsClusterAdmin,
    IsClusterStaff,
    IsClusterStaffWriter,
)
from cluster_platform.api.tenancy import ClusterScopedViewSet
from cluster_platform.urls import CLUSTER_PREFIX
from enterprises.models import Membership, MembershipStatus


class ScopedMembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["id", "enterprise", "role", "status", "application_note"]
        read_only_fields = ["id", "status"]

    def validate_enterprise(self, enterprise):
        if enterprise.pk not in self.context["roles"].enterprise_ids:
            raise serializers.ValidationError("Not one of your enterprises.")
        return enterprise


class ScopedMembershipViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ClusterScopedViewSet,
):
    model = Membership
    serializer_class = ScopedMembershipSerializer
    # PUT is routed by the router but refused here: no permission needs stating for it.
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_permissions = {
        "list": [IsClusterStaff],
        "retrieve": [IsClusterStaff],
        "create": [IsClusterStaffWriter],
        "partial_update": [IsClusterStaffWriter],
        "destroy": [IsClusterAdmin],
        "approve": [IsClusterStaffWriter],
        "export": [IsClusterStaff],
        "apply": [IsAuthenticatedUser],
    }

    def scoped_queryset(self):
        return Membership.objects.order_by("created_at", "id")

    def perform_create(self, serializer):
        serializer.save(cluster=self.cluster)

    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        membership = self.get_object()
        membership.status = MembershipStatus.APPROVED
        membership.save(update_fields=["status"])
        return Response(self.get_serializer(membership).data)

    @action(detail=False, methods=["post"])
    def apply(self, request, *args, **kwargs):
        """Anyone signed in applies with their first enterprise; no body needed."""
        enterprise_id = min(self.roles.enterprise_ids, default=None)
        if enterprise_id is None:
            raise serializers.ValidationError({"enterprise": ["You have no enterprise."]})
        membership, _created = Membership.objects.get_or_create(
            cluster=self.cluster, enterprise_id=enterprise_id, role="sme"
        )
        return Response({"id": str(membership.id), "status": membership.status}, status=201)

    @extend_schema(exclude=True)
    @action(detail=False, methods=["get"])
    def export(self, request, *args, **kwargs):
        out = io.StringIO()
        writer = csv.writer(out)
        for membership in self.filter_queryset(self.get_queryset()):
            writer.writerow([membership.id, membership.enterprise_id, membership.status])
        return HttpResponse(out.getvalue(), content_type="text/csv")


router = DefaultRouter()
router.include_root_view = False
router.register("memberships", ScopedMembershipViewSet, basename="scoped-membership")

urlpatterns = [path(CLUSTER_PREFIX, include(router.urls))]
