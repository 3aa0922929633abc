from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response

from cluster_platform.api.schema import ReportSchema
from cluster_platform.api.tenancy import ClusterScopedViewSet
from cluster_platform.models import Cluster
from console.api.permissions import IsClusterStaffOrPlatformOperator, IsPlatformOperator
from console.api.serializers.stats import PlatformStatsQuerySerializer, StatsRangeSerializer, StatsSerializer
from console.services.stats import stats_get


class ClusterStatsViewSet(ClusterScopedViewSet):
    """The cluster's KPIs, for its agency staff and the platform operators."""

    model = Cluster
    cluster_field = "pk"
    permission_classes = [IsClusterStaffOrPlatformOperator]
    schema = ReportSchema()
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        parameters=[StatsRangeSerializer],
        responses=StatsSerializer,
        summary=_("The cluster's KPIs with monthly series"),
    )
    def list(self, request, *args, **kwargs):
        params = StatsRangeSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        answer = stats_get(clusters=[self.cluster], **params.validated_data)
        return Response(StatsSerializer(answer).data)


class PlatformStatsViewSet(viewsets.GenericViewSet):
    """The KPIs of every active cluster together, or of a group of clusters (?clusters=a,b,c),
    counted over the group's rows (an enterprise in two of its clusters counts once)."""

    permission_classes = [IsPlatformOperator]
    schema = ReportSchema()
    pagination_class = None
    filter_backends: list = []
    serializer_class = StatsSerializer

    @extend_schema(
        parameters=[PlatformStatsQuerySerializer],
        responses=StatsSerializer,
        summary=_("KPIs of all clusters or of a group of clusters"),
    )
    def list(self, request, *args, **kwargs):
        params = PlatformStatsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        answer = stats_get(**params.validated_data)
        return Response(StatsSerializer(answer).data)
