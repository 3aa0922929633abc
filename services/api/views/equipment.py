import django_filters
from django.db.models import Q
from django.utils.translation import gettext as _
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
from services.api.serializers.equipment import (
    BookingActionSerializer,
    BookingCreateSerializer,
    BookingSerializer,
    CalendarSerializer,
    ClusterUtilisationSerializer,
    DateRangeSerializer,
    MachineDecisionSerializer,
    MachineSerializer,
    MachineUtilisationSerializer,
    MachineWriteSerializer,
)
from services.api.views.lookups import acting_enterprise, get_in_cluster
from services.models import (
    Booking,
    BookingStatus,
    Machine,
    MachineApproval,
    MachineKind,
    MachineStatus,
)
from services.selectors.bookings import booking_list
from services.selectors.machines import (
    cluster_machine_utilisation,
    machine_calendar,
    machine_list,
    machine_moderation_queue,
    machine_utilisation,
)
from services.services.bookings import booking_create, booking_transition
from services.services.machines import machine_approve, machine_create, machine_reject, machine_update

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
        return machine_list(roles=self.roles)

    @extend_schema(request=MachineWriteSerializer, responses={201: MachineSerializer})
    def create(self, request, *args, **kwargs):
        data = MachineWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        partner = acting_enterprise(
            requested=values.pop("partner", None), allowed=self.roles.partner_enterprise_ids, field="partner"
        )
        machine = machine_create(cluster=self.cluster, partner=partner, by=request.user, data=values)
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
        machine = machine_update(cluster=self.cluster, machine=machine, by=request.user, data=values)
        return Response(self.get_serializer(machine).data)

    @extend_schema(
        request=MachineDecisionSerializer,
        responses=MachineSerializer,
        summary="Agency approves a pending machine",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        return self._decide(request, machine_approve)

    @extend_schema(
        request=MachineDecisionSerializer,
        responses=MachineSerializer,
        summary="Agency rejects a pending machine (reason required)",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        return self._decide(request, machine_reject)

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
        calendar = machine_calendar(machine=machine, roles=self.roles, **params.validated_data)
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
        result = machine_utilisation(machine=machine, **params.validated_data)
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
        result = cluster_machine_utilisation(cluster=self.cluster, **params.validated_data)
        return Response(ClusterUtilisationSerializer(result).data)


class MachineModerationViewSet(mixins.ListModelMixin, ClusterScopedViewSet):
    """The agency's queue of machines waiting for approval, oldest first."""

    model = Machine
    serializer_class = MachineSerializer
    permission_classes = [IsClusterStaff]
    filter_backends: list = []

    def scoped_queryset(self):
        return machine_moderation_queue()


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
        return booking_list(roles=self.roles)

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
        machine = get_in_cluster(
            machine_list(roles=self.roles).filter(cluster=self.cluster),
            values["machine"],
            field="machine",
        )
        booking = booking_create(
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
        booking = booking_transition(
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
