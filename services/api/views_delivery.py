import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from cluster_platform.api.permissions import (
    IsClusterMember,
    IsClusterPartner,
    IsClusterSME,
    IsClusterStaff,
    IsClusterStaffWriter,
    ReadOnly,
)
from cluster_platform.api.tenancy import ClusterScopedViewSet
from services import selectors_delivery, services_delivery
from services.api.serializers_delivery import (
    BookingActionSerializer,
    BookingCreateSerializer,
    BookingSerializer,
    CalendarSerializer,
    ClusterUtilisationSerializer,
    DateRangeSerializer,
    EngagementActionSerializer,
    EngagementCreateSerializer,
    EngagementEventSerializer,
    EngagementResolveSerializer,
    EngagementSerializer,
    MachineDecisionSerializer,
    MachineSerializer,
    MachineUtilisationSerializer,
    MachineWriteSerializer,
    PartnerRatingSerializer,
    ReviewCreateSerializer,
    ReviewSerializer,
)
from services.api.views import acting_enterprise
from services.models import (
    Booking,
    BookingStatus,
    Demand,
    Engagement,
    EngagementStatus,
    Machine,
    MachineApproval,
    MachineKind,
    MachineStatus,
    Offering,
    OfferingStatus,
    PartnerRating,
    Review,
)
from services.services import engagement_request


def _get_in_cluster(queryset, pk, *, field: str):
    """A row of this cluster by id, or a field-level 400 (never another cluster's row)."""
    if pk is None:
        return None
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise ValidationError({field: [_("Not found in this cluster.")]})
    return row


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


_ENGAGEMENT_READERS = [IsClusterMember | IsClusterStaff]
_ENGAGEMENT_ACTORS = [IsClusterMember | IsClusterStaffWriter]


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
        return selectors_delivery.engagement_list(roles=self.roles)

    @extend_schema(request=EngagementCreateSerializer, responses={201: EngagementSerializer})
    def create(self, request, *args, **kwargs):
        data = EngagementCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        sme = acting_enterprise(
            requested=values.get("sme"), allowed=self.roles.sme_enterprise_ids, field="sme"
        )
        offering = _get_in_cluster(
            Offering.objects.filter(cluster=self.cluster, status=OfferingStatus.PUBLISHED),
            values["offering"],
            field="offering",
        )
        demand = _get_in_cluster(
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
        engagement = services_delivery.engagement_transition(
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
        events = selectors_delivery.engagement_events(engagement=engagement)
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
        review = services_delivery.review_create(
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
        return selectors_delivery.review_list(roles=self.roles)


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
        return selectors_delivery.partner_rating_list()


# --- Machines -------------------------------------------------------------------------------------


class MachineFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=MachineKind.choices)
    status = django_filters.MultipleChoiceFilter(choices=MachineStatus.choices)
    approval = django_filters.MultipleChoiceFilter(choices=MachineApproval.choices)
    partner = django_filters.UUIDFilter(field_name="partner_id")
    location = django_filters.CharFilter(lookup_expr="icontains")
    max_hourly_rate = django_filters.NumberFilter(field_name="hourly_rate", lookup_expr="lte")
    q = django_filters.CharFilter(method="filter_q", label="Text in the name, model or manufacturer.")

    class Meta:
        model = Machine
        fields = ["kind", "status", "approval", "partner", "location"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(model_name__icontains=value) | Q(manufacturer__icontains=value)
        )


class MachineViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ClusterScopedViewSet
):
    """Shared machines. Approved, online machines are public; partners see all their own; the
    agency sees all and approves them."""

    model = Machine
    serializer_class = MachineSerializer
    filterset_class = MachineFilter
    ordering_fields = ["name", "hourly_rate", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions = {
        "list": [ReadOnly],
        "retrieve": [ReadOnly],
        "calendar": [ReadOnly],
        "create": [IsClusterPartner],
        "partial_update": [IsClusterPartner],
        "approve": [IsClusterStaffWriter],
        "reject": [IsClusterStaffWriter],
        "utilisation": [IsClusterStaff | IsClusterPartner],
        "cluster_utilisation": [IsClusterStaff],
    }

    def scoped_queryset(self):
        return selectors_delivery.machine_list(roles=self.roles)

    @extend_schema(request=MachineWriteSerializer, responses={201: MachineSerializer})
    def create(self, request, *args, **kwargs):
        data = MachineWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        partner = acting_enterprise(
            requested=values.pop("partner", None), allowed=self.roles.partner_enterprise_ids, field="partner"
        )
        machine = services_delivery.machine_create(
            cluster=self.cluster, partner=partner, by=request.user, data=values
        )
        return Response(self.get_serializer(machine).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MachineWriteSerializer(partial=True), responses=MachineSerializer)
    def partial_update(self, request, *args, **kwargs):
        machine = self.get_object()
        if machine.partner_id not in self.roles.partner_enterprise_ids:
            raise PermissionDenied(_("Only the machine's partner may edit it."))
        data = MachineWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("partner", None)
        machine = services_delivery.machine_update(
            cluster=self.cluster, machine=machine, by=request.user, data=values
        )
        return Response(self.get_serializer(machine).data)

    @extend_schema(
        request=MachineDecisionSerializer,
        responses=MachineSerializer,
        summary="Agency approves a pending machine",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        return self._decide(request, services_delivery.machine_approve)

    @extend_schema(
        request=MachineDecisionSerializer,
        responses=MachineSerializer,
        summary="Agency rejects a pending machine (reason required)",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        return self._decide(request, services_delivery.machine_reject)

    def _decide(self, request, decide):
        """Run the agency's decision `decide` (machine_approve or machine_reject) with the given reason."""
        data = MachineDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        machine = decide(
            cluster=self.cluster,
            machine=self.get_object(),
            by=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(self.get_serializer(machine).data)

    @extend_schema(
        parameters=[DateRangeSerializer],
        responses=CalendarSerializer,
        summary="Opening hours and busy slots",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def calendar(self, request, *args, **kwargs):
        machine = self.get_object()
        params = DateRangeSerializer(data=request.query_params, default_days=7)
        params.is_valid(raise_exception=True)
        calendar = selectors_delivery.machine_calendar(
            machine=machine, roles=self.roles, **params.validated_data
        )
        return Response(CalendarSerializer(calendar, context=self.get_serializer_context()).data)

    @extend_schema(
        parameters=[DateRangeSerializer],
        responses=MachineUtilisationSerializer,
        summary="A machine's utilisation",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def utilisation(self, request, *args, **kwargs):
        machine = self.get_object()
        if not self.roles.is_staff and machine.partner_id not in self.roles.partner_enterprise_ids:
            raise PermissionDenied(_("Only the machine's partner and the agency see its utilisation."))
        params = DateRangeSerializer(data=request.query_params, default_days=30, past=True)
        params.is_valid(raise_exception=True)
        result = selectors_delivery.machine_utilisation(machine=machine, **params.validated_data)
        return Response(MachineUtilisationSerializer(result).data)

    @extend_schema(
        parameters=[DateRangeSerializer],
        responses=ClusterUtilisationSerializer,
        summary="Utilisation of the cluster's approved machines, in total and per kind",
        operation_id="clusters_machines_utilisation_summary",
    )
    @action(detail=False, methods=["get"], url_path="utilisation", pagination_class=None, filter_backends=[])
    def cluster_utilisation(self, request, *args, **kwargs):
        params = DateRangeSerializer(data=request.query_params, default_days=30, past=True)
        params.is_valid(raise_exception=True)
        result = selectors_delivery.cluster_machine_utilisation(cluster=self.cluster, **params.validated_data)
        return Response(ClusterUtilisationSerializer(result).data)


class MachineModerationViewSet(mixins.ListModelMixin, ClusterScopedViewSet):
    """The agency's queue of machines waiting for approval, oldest first."""

    model = Machine
    serializer_class = MachineSerializer
    permission_classes = [IsClusterStaff]
    filter_backends: list = []

    def scoped_queryset(self):
        return selectors_delivery.machine_moderation_queue()


# --- Bookings -------------------------------------------------------------------------------------


class BookingFilter(django_filters.FilterSet):
    machine = django_filters.UUIDFilter(field_name="machine_id")
    status = django_filters.MultipleChoiceFilter(choices=BookingStatus.choices)
    starts_after = django_filters.IsoDateTimeFilter(field_name="start", lookup_expr="gte")
    starts_before = django_filters.IsoDateTimeFilter(field_name="start", lookup_expr="lt")

    class Meta:
        model = Booking
        fields = ["machine", "status"]


_BOOKING_READERS = [IsClusterMember | IsClusterStaff]


class BookingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ClusterScopedViewSet
):
    """Machine bookings: an SME sees its own, a partner those of its machines, the agency all."""

    model = Booking
    serializer_class = BookingSerializer
    filterset_class = BookingFilter
    ordering_fields = ["start", "created_at"]
    action_permissions = {
        "list": _BOOKING_READERS,
        "retrieve": _BOOKING_READERS,
        "create": [IsClusterSME],
        "confirm": [IsClusterPartner],
        "decline": [IsClusterPartner],
        "cancel": [IsClusterMember],
    }

    def scoped_queryset(self):
        return selectors_delivery.booking_list(roles=self.roles)

    @extend_schema(
        request=BookingCreateSerializer,
        responses={
            201: BookingSerializer,
            409: OpenApiResponse(description="The slot is taken or the machine is unavailable."),
        },
    )
    def create(self, request, *args, **kwargs):
        data = BookingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        sme = acting_enterprise(
            requested=values.get("sme"), allowed=self.roles.sme_enterprise_ids, field="sme"
        )
        machine = _get_in_cluster(
            selectors_delivery.machine_list(roles=self.roles).filter(cluster=self.cluster),
            values["machine"],
            field="machine",
        )
        booking = services_delivery.booking_create(
            cluster=self.cluster,
            machine=machine,
            sme=sme,
            by=request.user,
            start=values["start"],
            end=values["end"],
            purpose=values["purpose"],
        )
        return Response(self.get_serializer(booking).data, status=status.HTTP_201_CREATED)

    def _transition(self, request, action_name):
        booking = self.get_object()
        data = BookingActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services_delivery.booking_transition(
            cluster=self.cluster,
            booking=booking,
            action=action_name,
            by=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(self.get_serializer(booking).data)

    _responses = {
        200: BookingSerializer,
        409: OpenApiResponse(description="Not allowed from the current state."),
    }

    @extend_schema(
        request=BookingActionSerializer,
        responses=_responses,
        summary="Partner confirms a request",
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        return self._transition(request, "confirm")

    @extend_schema(
        request=BookingActionSerializer,
        responses=_responses,
        summary="Partner declines a request",
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, *args, **kwargs):
        return self._transition(request, "decline")

    @extend_schema(
        request=BookingActionSerializer,
        responses=_responses,
        summary="Cancel before the slot starts",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        return self._transition(request, "cancel")
