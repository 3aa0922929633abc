"""A test-only URLconf with deliberately unsafe views under the cluster prefix: a plain DRF
ModelViewSet that ignores the cluster in its URL, and a properly scoped viewset whose
permission lets anyone write. The harness must report both."""

import csv
import io

from django.http import HttpResponse
from django.urls import include, path
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from cluster_platform.api.tenancy import ClusterScopedViewSet
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


class OpenDoorMembershipViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, ClusterScopedViewSet):
    """Scoped to the URL's cluster, but anyone may edit: from A's URL, B's users change A."""

    model = Membership
    serializer_class = LeakyMembershipSerializer
    permission_classes = [AllowAny]

    def scoped_queryset(self):
        return Membership.objects.order_by("created_at", "id")


router = DefaultRouter()
router.include_root_view = False
router.register("leaky-memberships", LeakyMembershipViewSet, basename="leaky-membership")
router.register("open-memberships", OpenDoorMembershipViewSet, basename="open-membership")

urlpatterns = [path(CLUSTER_PREFIX, include(router.urls))]
