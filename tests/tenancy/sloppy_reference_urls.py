"""A test-only URLconf with properly scoped viewsets that are careless in the two places the
base viewset cannot see: a filter that starts again from all rows, and an id in a write body
looked up outside the cluster. The harness must report both, and the filter that tells apart
an id of another cluster from an unknown one."""

import django_filters
from django.urls import include, path
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, serializers
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from cluster_platform.api.permissions import IsClusterSME, IsClusterStaff
from cluster_platform.api.tenancy import ClusterScopedViewSet
from cluster_platform.urls import CLUSTER_PREFIX
from enterprises.models import Enterprise, Membership
from matching.models import RecommendationFeedback
from services.models import Offering


class SloppyMembershipFilter(django_filters.FilterSet):
    # Starts from every membership of the platform: the cluster filter was applied before.
    enterprise = django_filters.UUIDFilter(method="filter_enterprise")
    # A choice among all enterprises: 400 for an unknown id, 200 for another cluster's.
    owner = django_filters.ModelChoiceFilter(queryset=Enterprise.objects.all(), field_name="enterprise")

    class Meta:
        model = Membership
        fields = ["enterprise", "owner"]

    def filter_enterprise(self, queryset, name, value):
        return Membership.objects.filter(enterprise_id=value).order_by("created_at", "id")


class SloppyMembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["id", "enterprise", "role", "status"]


class SloppyMembershipViewSet(mixins.ListModelMixin, ClusterScopedViewSet):
    model = Membership
    serializer_class = SloppyMembershipSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SloppyMembershipFilter
    permission_classes = [IsClusterStaff]

    def scoped_queryset(self):
        return Membership.objects.order_by("created_at", "id")


class SloppyFeedbackSerializer(serializers.Serializer):
    offering = serializers.UUIDField()


class SloppyFeedbackViewSet(mixins.ListModelMixin, ClusterScopedViewSet):
    """Dismisses an offering by id, looked up among every cluster's offerings."""

    model = RecommendationFeedback
    serializer_class = SloppyFeedbackSerializer
    permission_classes = [IsClusterSME]

    def scoped_queryset(self):
        return RecommendationFeedback.objects.none()

    def create(self, request, *args, **kwargs):
        serializer = SloppyFeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        offering = Offering.objects.filter(pk=serializer.validated_data["offering"]).first()
        if offering is None:
            raise serializers.ValidationError({"offering": ["Unknown offering."]})
        RecommendationFeedback.objects.create(
            cluster=self.cluster,
            sme_id=min(self.roles.sme_enterprise_ids),
            offering=offering,
            kind="dismissed",
            score=0,
        )
        return Response(status=201)


router = DefaultRouter()
router.include_root_view = False
router.register("sloppy-memberships", SloppyMembershipViewSet, basename="sloppy-membership")
router.register("sloppy-feedback", SloppyFeedbackViewSet, basename="sloppy-feedback")

urlpatterns = [path(CLUSTER_PREFIX, include(router.urls))]
