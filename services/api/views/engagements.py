import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from cluster_platform.api.permissions import (
    IsClusterMember,
    IsClusterSME,
    IsClusterStaff,
    IsClusterStaffWriter,
    ReadOnly,
)
from cluster_platform.api.tenancy import ClusterScopedViewSet
from enterprises.selectors.memberships import partner_ids_out_of_good_standing
from services.api.serializers.engagements import (
    EngagementActionSerializer,
    EngagementCreateSerializer,
    EngagementEventSerializer,
    EngagementResolveSerializer,
    EngagementSerializer,
    PartnerRatingSerializer,
    ReviewCreateSerializer,
    ReviewSerializer,
)
from services.api.views.lookups import acting_enterprise, get_in_cluster
from services.models import (
    Demand,
    Engagement,
    EngagementStatus,
    Offering,
    OfferingStatus,
    PartnerRating,
    Review,
)
from services.selectors.engagements import engagement_events, engagement_list
from services.selectors.reviews import partner_rating_list, review_list
from services.services.engagements import engagement_request, engagement_transition
from services.services.reviews import review_create

# --- Engagements ----------------------------------------------------------------------------------


class EngagementFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=EngagementStatus.choices)
    offering = django_filters.UUIDFilter(field_name="offering_id")
    demand = django_filters.UUIDFilter(field_name="demand_id")
    side = django_filters.ChoiceFilter(
        choices=[("sme", "sme"), ("partner", "partner")],
        method="filter_side",
        label="Only engagements where the caller is the client (sme) or the provider (partner).",
    )

    class Meta:
        model = Engagement
        fields = ["status", "offering", "demand", "side"]

    def filter_side(self, queryset, name, value):
        roles = self.request.parser_context["view"].roles
        if value == "sme":
            return queryset.filter(sme_id__in=roles.sme_enterprise_ids)
        return queryset.filter(partner_id__in=roles.partner_enterprise_ids)


class IsSuspendedClusterPartner(BasePermission):
    """A partner suspended in this cluster: it reads and moves forward (or closes) the engagements
    it already has, and nothing else (no new engagements, offerings or voucher claims)."""

    def has_permission(self, request, view):
        return bool(view.roles.suspended_partner_enterprise_ids)


_ENGAGEMENT_READERS = [IsClusterMember | IsClusterStaff | IsSuspendedClusterPartner]
_ENGAGEMENT_ACTORS = [IsClusterMember | IsClusterStaffWriter | IsSuspendedClusterPartner]


class EngagementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ClusterScopedViewSet
):
    """Service orders. Each side sees its own engagements; the agency sees all in its cluster.

    Transitions follow the table in docs/engagements-and-booking.md; a transition the state does
    not allow answers 409 naming the allowed ones."""

    model = Engagement
    serializer_class = EngagementSerializer
    filterset_class = EngagementFilter
    ordering_fields = ["created_at", "updated_at"]
    action_permissions = {
        "list": _ENGAGEMENT_READERS,
        "retrieve": _ENGAGEMENT_READERS,
        "events": _ENGAGEMENT_READERS,
        "create": [IsClusterSME],
        "review": [IsClusterSME],
        **{
            name: _ENGAGEMENT_ACTORS
            for name in ("accept", "decline", "start", "deliver", "confirm", "dispute", "cancel", "resolve")
        },
    }

    def scoped_queryset(self):
        return engagement_list(roles=self.roles)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        roles = getattr(self, "roles", None)
        if roles is not None:
            # So that `allowed_actions` does not offer "accept" to a partner that may not take work.
            context["partners_out_of_good_standing"] = (
                partner_ids_out_of_good_standing(
                    cluster=self.cluster, enterprise_ids=roles.partner_enterprise_ids
                )
                | roles.suspended_partner_enterprise_ids
            )
        return context

    @extend_schema(request=EngagementCreateSerializer, responses={201: EngagementSerializer})
    def create(self, request, *args, **kwargs):
        data = EngagementCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        sme = acting_enterprise(
            requested=values.get("sme"), allowed=self.roles.sme_enterprise_ids, field="sme"
        )
        offering = get_in_cluster(
            Offering.objects.filter(cluster=self.cluster, status=OfferingStatus.PUBLISHED),
            values["offering"],
            field="offering",
        )
        demand = get_in_cluster(
            Demand.objects.filter(cluster=self.cluster, sme=sme), values.get("demand"), field="demand"
        )
        engagement = engagement_request(
            cluster=self.cluster,
            offering=offering,
            sme=sme,
            by=request.user,
            demand=demand,
            message=values["message"],
        )
        return Response(self.get_serializer(engagement).data, status=status.HTTP_201_CREATED)

    def _transition(self, request, action_name: str, serializer_class=EngagementActionSerializer):
        engagement = self.get_object()
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        engagement = engagement_transition(
            cluster=self.cluster,
            engagement=engagement,
            action=action_name,
            by=request.user,
            reason=data.validated_data.get("reason", ""),
            outcome=data.validated_data.get("outcome"),
        )
        return Response(self.get_serializer(engagement).data)

    _responses = {
        200: EngagementSerializer,
        409: OpenApiResponse(description="Not allowed from the current state."),
    }

    @extend_schema(
        request=EngagementActionSerializer,
        responses=_responses,
        summary="Partner accepts (within capacity)",
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        return self._transition(request, "accept")

    @extend_schema(
        request=EngagementActionSerializer,
        responses=_responses,
        summary="Partner declines a request",
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, *args, **kwargs):
        return self._transition(request, "decline")

    @extend_schema(request=EngagementActionSerializer, responses=_responses, summary="Partner starts work")
    @action(detail=True, methods=["post"])
    def start(self, request, *args, **kwargs):
        return self._transition(request, "start")

    @extend_schema(
        request=EngagementActionSerializer,
        responses=_responses,
        summary="Partner marks delivered",
    )
    @action(detail=True, methods=["post"])
    def deliver(self, request, *args, **kwargs):
        return self._transition(request, "deliver")

    @extend_schema(
        request=EngagementActionSerializer,
        responses=_responses,
        summary="SME confirms completion",
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        return self._transition(request, "confirm")

    @extend_schema(
        request=EngagementActionSerializer,
        responses=_responses,
        summary="SME disputes the delivery (reason required)",
    )
    @action(detail=True, methods=["post"])
    def dispute(self, request, *args, **kwargs):
        return self._transition(request, "dispute")

    @extend_schema(
        request=EngagementActionSerializer,
        responses=_responses,
        summary="Cancel under the cancellation rules",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        return self._transition(request, "cancel")

    @extend_schema(
        request=EngagementResolveSerializer,
        responses=_responses,
        summary="Agency resolves a dispute",
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, *args, **kwargs):
        return self._transition(request, "resolve", EngagementResolveSerializer)

    @extend_schema(responses=EngagementEventSerializer(many=True), summary="The engagement's history")
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request, *args, **kwargs):
        engagement = self.get_object()
        events = engagement_events(engagement=engagement)
        return Response(EngagementEventSerializer(events, many=True).data)

    @extend_schema(
        request=ReviewCreateSerializer,
        responses={
            201: ReviewSerializer,
            409: OpenApiResponse(description="Not completed, or already reviewed."),
        },
        summary="SME reviews a completed engagement, once",
    )
    @action(detail=True, methods=["post"])
    def review(self, request, *args, **kwargs):
        engagement = self.get_object()
        data = ReviewCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = review_create(
            cluster=self.cluster,
            engagement=engagement,
            rating=data.validated_data["rating"],
            comment=data.validated_data["comment"],
            by=request.user,
        )
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


# --- Reviews and ratings --------------------------------------------------------------------------


class ReviewFilter(django_filters.FilterSet):
    offering = django_filters.UUIDFilter(field_name="offering_id")
    partner = django_filters.UUIDFilter(field_name="partner_id")
    rating = django_filters.NumberFilter()

    class Meta:
        model = Review
        fields = ["offering", "partner", "rating"]


class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    """Reviews of published offerings, readable by anyone, without the reviewer's contact details."""

    model = Review
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter
    ordering_fields = ["created_at", "rating"]
    permission_classes = [ReadOnly]

    def scoped_queryset(self):
        return review_list(roles=self.roles)


class PartnerRatingFilter(django_filters.FilterSet):
    # An id filter, not a choice among all enterprises (which would tell which ids exist).
    partner = django_filters.UUIDFilter(field_name="partner_id")

    class Meta:
        model = PartnerRating
        fields = ["partner"]


class PartnerRatingViewSet(mixins.ListModelMixin, ClusterScopedViewSet):
    """Partners' ratings in this cluster (Bayesian average), best first; public."""

    model = PartnerRating
    serializer_class = PartnerRatingSerializer
    filterset_class = PartnerRatingFilter
    filter_backends = [DjangoFilterBackend]
    permission_classes = [ReadOnly]

    def scoped_queryset(self):
        return partner_rating_list()
