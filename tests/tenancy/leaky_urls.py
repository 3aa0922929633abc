"""A test-only URLconf with a deliberately unscoped view under the cluster prefix: a plain
DRF ModelViewSet that ignores the cluster in its URL. The harness must report it."""

import csv
import io

from django.http import HttpResponse
from django.urls import include, path
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from cluster_platform.urls import CLUSTER_PREFIX
from enterprises.models import Membership


class LeakyMembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["id", "cluster", "enterprise", "role", "status", "application_note"]


class LeakyMembershipViewSet(viewsets.ModelViewSet):
    queryset = Membership.objects.order_by("created_at", "id")
    serializer_class = LeakyMembershipSerializer
    permission_classes = [AllowAny]

    @action(detail=False, methods=["get"])
    def export(self, request, *args, **kwargs):
        out = io.StringIO()
        writer = csv.writer(out)
        for membership in self.get_queryset():
            writer.writerow([membership.id, membership.enterprise_id, membership.status])
        return HttpResponse(out.getvalue(), content_type="text/csv")


router = DefaultRouter()
router.include_root_view = False
router.register("leaky-memberships", LeakyMembershipViewSet, basename="leaky-membership")

urlpatterns = [path(CLUSTER_PREFIX, include(router.urls))]
