from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from cluster_platform.api.permissions import IsClusterMember, IsClusterStaff
from cluster_platform.api.tenancy import ClusterScopedViewSet
from devices.api.filters import DeadLetterFilter
from devices.api.serializers.registry import (
    DayRangeQuerySerializer,
    DeadLetterSerializer,
    DeviceCredentialsSerializer,
    DeviceFiguresSerializer,
    DeviceSerializer,
    DeviceStatusChangeSerializer,
    DeviceTypeSerializer,
    DeviceUtilisationSerializer,
    DeviceWriteSerializer,
    TelemetryBucketSerializer,
    TelemetryRangeQuerySerializer,
)
from devices.models import DeadLetter, Device
from devices.selectors import registry as selectors
from devices.selectors import telemetry as telemetry_selectors
from devices.services import registry as services
from enterprises.models import Enterprise


class DeviceTypeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The platform-wide catalogue of device types and the telemetry keys they declare by default."""

    serializer_class = DeviceTypeSerializer
    permission_classes = [AllowAny]
    queryset = selectors.device_type_list()
    lookup_field = "code"


class DeviceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ClusterScopedViewSet,
):
    """Connected devices: members register their equipment and get its credentials once; the
    agency sees every device of the cluster."""

    model = Device
    serializer_class = DeviceSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["name", "status", "last_seen_at", "created_at"]
    filterset_fields = ["status", "device_type", "protocol"]
    action_permissions = {
        "list": [IsClusterStaff | IsClusterMember],
        "retrieve": [IsClusterStaff | IsClusterMember],
        "status_history": [IsClusterStaff | IsClusterMember],
        "telemetry": [IsClusterStaff | IsClusterMember],
        "utilisation": [IsClusterStaff | IsClusterMember],
        "figures": [IsClusterStaff],
        "create": [IsClusterMember],
        "partial_update": [IsClusterMember],
        "rotate_credentials": [IsClusterMember],
        "revoke": [IsClusterMember],
    }

    def scoped_queryset(self):
        return selectors.device_list(roles=self.roles)

    def _owned_object(self) -> Device:
        device = self.get_object()
        if not selectors.device_owned_by(device=device, roles=self.roles):
            raise PermissionDenied(_("Only the device's enterprise may change it."))
        return device

    @extend_schema(request=DeviceWriteSerializer, responses={201: DeviceCredentialsSerializer})
    def create(self, request, *args, **kwargs):
        data = DeviceWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        allowed = self.roles.sme_enterprise_ids | self.roles.partner_enterprise_ids
        requested = values.pop("enterprise", None)
        if requested is not None and requested not in allowed:
            raise ValidationError({"enterprise": [_("You do not act for this enterprise in this cluster.")]})
        if requested is None and len(allowed) != 1:
            raise ValidationError({"enterprise": [_("Say which of your enterprises this is for.")]})
        enterprise = Enterprise.objects.get(pk=requested or next(iter(allowed)))
        issued = services.device_create(
            cluster=self.cluster, enterprise=enterprise, device_type=values.pop("device_type"), data=values
        )
        return Response(
            DeviceCredentialsSerializer(DeviceCredentialsSerializer.of(issued)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=DeviceWriteSerializer(partial=True), responses=DeviceSerializer)
    def partial_update(self, request, *args, **kwargs):
        device = self._owned_object()
        data = DeviceWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        for fixed in ("enterprise", "device_type"):
            if fixed in values:
                raise ValidationError({fixed: [_("A device's enterprise and type cannot change.")]})
        device = services.device_update(cluster=self.cluster, device=device, data=values)
        return Response(self.get_serializer(device).data)

    @extend_schema(
        request=None, responses=DeviceCredentialsSerializer, summary="Issue a new secret (shown once)"
    )
    @action(detail=True, methods=["post"], url_path="rotate-credentials")
    def rotate_credentials(self, request, *args, **kwargs):
        issued = services.device_credentials_rotate(cluster=self.cluster, device=self._owned_object())
        return Response(DeviceCredentialsSerializer(DeviceCredentialsSerializer.of(issued)).data)

    @extend_schema(request=None, responses=DeviceSerializer, summary="Revoke the device's credentials")
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        device = services.device_revoke(cluster=self.cluster, device=self._owned_object())
        return Response(self.get_serializer(device).data)

    @extend_schema(responses=DeviceStatusChangeSerializer(many=True), summary="Online/offline changes")
    @action(detail=True, methods=["get"], url_path="status-history")
    def status_history(self, request, *args, **kwargs):
        changes = selectors.device_status_history(cluster=self.cluster, device=self.get_object())
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(DeviceStatusChangeSerializer(page, many=True).data)

    @extend_schema(
        parameters=[TelemetryRangeQuerySerializer],
        responses=TelemetryBucketSerializer(many=True),
        summary="A key's values over a time range, downsampled to N buckets",
    )
    @action(detail=True, methods=["get"])
    def telemetry(self, request, *args, **kwargs):
        device = self.get_object()
        query = TelemetryRangeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if query.validated_data["key"] not in device.telemetry_keys:
            raise ValidationError({"key": [_("The device declares no such key.")]})
        buckets = telemetry_selectors.telemetry_range(device=device, **query.validated_data)
        return Response(TelemetryBucketSerializer(buckets, many=True).data)

    @extend_schema(
        parameters=[DayRangeQuerySerializer],
        responses=DeviceUtilisationSerializer,
        summary="Running, idle and offline shares per day (and the linked machine's booked utilisation)",
    )
    @action(detail=True, methods=["get"])
    def utilisation(self, request, *args, **kwargs):
        device = self.get_object()
        query = DayRangeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = telemetry_selectors.device_utilisation_report(device=device, **query.validated_data)
        return Response(DeviceUtilisationSerializer(report).data)

    @extend_schema(
        responses=DeviceFiguresSerializer, summary="The agency's figures: connected, online, messages/day"
    )
    @action(detail=False, methods=["get"])
    def figures(self, request, *args, **kwargs):
        return Response(
            DeviceFiguresSerializer(telemetry_selectors.cluster_device_figures(cluster=self.cluster)).data
        )


class DeadLetterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    """Messages the ingestion refused, with the reason: each owner sees those of its devices."""

    model = DeadLetter
    serializer_class = DeadLetterSerializer
    filterset_class = DeadLetterFilter
    action_permissions = {
        "list": [IsClusterStaff | IsClusterMember],
        "retrieve": [IsClusterStaff | IsClusterMember],
    }

    def scoped_queryset(self):
        return selectors.dead_letter_list(roles=self.roles)
