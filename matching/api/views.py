import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cluster_platform.api.filters import StrictBooleanFilter
from cluster_platform.api.permissions import IsClusterSME, IsClusterStaff, IsClusterStaffWriter
from cluster_platform.api.tenancy import ClusterScopedViewSet
from matching.api.serializers import (
    FeedbackInputSerializer,
    FeedbackSerializer,
    FunnelSerializer,
    MatchingWeightsSerializer,
    MatchRunSerializer,
    RecommendationSerializer,
)
from matching.models import MatchingWeights, MatchRun, MatchRunTrigger, Recommendation
from matching.selectors import match_run_list, matching_funnel, recommendation_list, weights_for
from matching.services import match_run_start, matching_weights_update, recommendation_feedback
from services.selectors.net_cost import offering_net_costs


class RecommendationFilter(django_filters.FilterSet):
    # Plain UUID filters: a choice filter would validate ids against every enterprise on the
    # platform and so tell whether another cluster's id exists.
    demand = django_filters.UUIDFilter(field_name="demand_id")
    sme = django_filters.UUIDFilter(field_name="sme_id")
    offering = django_filters.UUIDFilter(field_name="offering_id")
    partner = django_filters.UUIDFilter(field_name="partner_id")
    run = django_filters.UUIDFilter(field_name="run_id")
    proactive = StrictBooleanFilter(
        field_name="demand", lookup_expr="isnull", label="Only proactive recommendations (no demand)"
    )

    class Meta:
        model = Recommendation
        fields = ["demand", "sme", "offering", "partner", "run", "proactive"]


class RecommendationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    """Recommended offerings, each with the contribution of every feature and a one-line reason.

    `?demand=<id>` lists a demand's recommendations; `?sme=<id>&proactive=true` an SME's proactive
    ones (from its profile and its assessment's gaps). An SME sees its own; agency staff see all.
    """

    model = Recommendation
    serializer_class = RecommendationSerializer
    filterset_class = RecommendationFilter
    ordering_fields = ["rank", "score", "created_at"]
    action_permissions = {
        "list": [IsClusterStaff | IsClusterSME],
        "retrieve": [IsClusterStaff | IsClusterSME],
        "feedback": [IsClusterSME],
        "funnel": [IsClusterStaff],
    }

    def scoped_queryset(self):
        if self.action == "feedback" or not self.roles.is_staff:
            # Only the SME itself answers (or sees) its recommendations.
            return recommendation_list(cluster=self.cluster, sme_ids=self.roles.sme_enterprise_ids)
        return recommendation_list(cluster=self.cluster)

    net_costs: dict | None = None

    def _price_for_their_smes(self, recommendations) -> None:
        """What the caller's own SMEs pay for the recommended offerings: one load of each SME's
        subsidies for the page (the agency reads recommendations without an SME's net cost)."""
        by_sme: dict = {}
        for recommendation in recommendations:
            if recommendation.sme_id in self.roles.sme_enterprise_ids:
                by_sme.setdefault(recommendation.sme_id, []).append(recommendation)
        self.net_costs = {}
        for rows in by_sme.values():
            costs = offering_net_costs(
                cluster=self.cluster, sme=rows[0].sme, offerings=[row.offering for row in rows]
            )
            self.net_costs.update({(row.sme_id, row.offering_id): costs.get(row.offering_id) for row in rows})

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.net_costs:
            context["net_costs"] = self.net_costs
        return context

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        self._price_for_their_smes(rows)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        recommendation = self.get_object()
        self._price_for_their_smes([recommendation])
        return Response(self.get_serializer(recommendation).data)

    @extend_schema(request=FeedbackInputSerializer, responses={201: FeedbackSerializer})
    @action(detail=True, methods=["post"])
    def feedback(self, request, *args, **kwargs):
        """Interested (sends an engagement request to the partner) or dismissed (with a reason:
        the offering is not recommended to this SME again)."""
        recommendation = self.get_object()
        data = FeedbackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        feedback = recommendation_feedback(
            cluster=self.cluster, recommendation=recommendation, by=request.user, **data.validated_data
        )
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=FunnelSerializer, filters=False)
    @action(detail=False, methods=["get"], filterset_class=None, ordering_fields=[])
    def funnel(self, request, *args, **kwargs):
        """Recommended -> requested -> completed, per category and per partner."""
        return Response(FunnelSerializer(matching_funnel(cluster=self.cluster)).data)


class MatchRunViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ClusterScopedViewSet
):
    """Match runs: POST starts a whole-cluster run (202); GET reports status, progress, counts, duration."""

    model = MatchRun
    serializer_class = MatchRunSerializer
    filterset_fields = ["status", "trigger"]
    ordering_fields = ["created_at"]
    action_permissions = {
        "list": [IsClusterStaff],
        "retrieve": [IsClusterStaff],
        "create": [IsClusterStaffWriter],
    }

    def scoped_queryset(self):
        return match_run_list(cluster=self.cluster)

    @extend_schema(request=None, responses={202: MatchRunSerializer})
    def create(self, request, *args, **kwargs):
        run = match_run_start(cluster=self.cluster, by=request.user, trigger=MatchRunTrigger.MANUAL)
        run.refresh_from_db()  # in-process (eager) runs have already finished
        return Response(MatchRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class MatchingWeightsViewSet(ClusterScopedViewSet):
    """The cluster's matching weights (one per feature, normalised to sum 1 when scoring) and limits."""

    model = MatchingWeights
    serializer_class = MatchingWeightsSerializer
    pagination_class = None
    action_permissions = {
        "current": [IsClusterStaff],
        "change": [IsClusterStaffWriter],
    }

    def _current(self):
        return self.get_queryset().first() or weights_for(cluster=self.cluster)

    @extend_schema(responses=MatchingWeightsSerializer)
    def current(self, request, *args, **kwargs):
        return Response(MatchingWeightsSerializer(self._current()).data)

    @extend_schema(request=MatchingWeightsSerializer, responses=MatchingWeightsSerializer)
    def change(self, request, *args, **kwargs):
        partial = request.method == "PATCH"
        serializer = MatchingWeightsSerializer(self._current(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        weights = matching_weights_update(
            cluster=self.cluster, by=request.user, values=serializer.validated_data
        )
        return Response(MatchingWeightsSerializer(weights).data)
