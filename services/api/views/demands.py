from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from cluster_platform.api.permissions import (
    IsClusterPartner,
    IsClusterSME,
    IsClusterStaff,
    IsClusterStaffWriter,
)
from cluster_platform.api.tenancy import ClusterScopedViewSet
from services.api.filters import DemandFilter
from services.api.serializers.demands import DemandInputSerializer, DemandSerializer
from services.api.views.lookups import acting_enterprise
from services.models import Demand
from services.selectors.demands import demand_visible, demand_with_relations
from services.services.demands import demand_create, demand_transition, demand_update


class IsOwnDemand(BasePermission):
    def has_object_permission(self, request, view, obj):
        return obj.sme_id in view.roles.sme_enterprise_ids


@extend_schema_view(
    create=extend_schema(request=DemandInputSerializer, responses={201: DemandSerializer}),
    partial_update=extend_schema(
        request=DemandInputSerializer(partial=True), responses={200: DemandSerializer}
    ),
)
class DemandViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ClusterScopedViewSet,
):
    """Needs SMEs post: the SME and the agency see them; partners only those shown to partners, without contacts."""

    model = Demand
    serializer_class = DemandSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = DemandFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    _reader = [IsClusterStaff | IsClusterSME | IsClusterPartner]
    _mover = [(IsClusterSME & IsOwnDemand) | IsClusterStaffWriter]
    action_permissions = {
        "list": _reader,
        "retrieve": _reader,
        "create": [IsClusterSME],
        "partial_update": [IsClusterSME & IsOwnDemand],
        "match": _mover,
        "start": _mover,
        "close": _mover,
        "cancel": _mover,
    }

    def scoped_queryset(self):
        visible = demand_visible(cluster=self.cluster, roles=self.roles)
        return demand_with_relations(visible).order_by("-created_at", "id")

    def _respond(self, demand, status_code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=demand.pk)).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = DemandInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        sme = acting_enterprise(
            requested=values.pop("sme", None), allowed=self.roles.sme_enterprise_ids, field="sme"
        )
        demand = demand_create(cluster=self.cluster, sme=sme, values=values, by=request.user)
        return self._respond(demand, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        demand = self.get_object()
        serializer = DemandInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {
            field: value for field, value in serializer.validated_data.items() if field in request.data
        }
        changes.pop("sme", None)
        return self._respond(demand_update(demand=demand, changes=changes, by=request.user))

    def _transition(self, request, name):
        demand = self.get_object()
        by_agency = demand.sme_id not in self.roles.sme_enterprise_ids
        if by_agency and not self.roles.can_decide:
            raise PermissionDenied
        return self._respond(
            demand_transition(demand=demand, action=name, by=request.user, by_agency=by_agency)
        )

    _transition_schema = extend_schema(
        request=None,
        responses={200: DemandSerializer, 409: OpenApiResponse(description="Invalid transition")},
    )

    @_transition_schema
    @action(detail=True, methods=["post"])
    def match(self, request, *args, **kwargs):
        """open -> matched: a provider has been found."""
        return self._transition(request, "match")

    @_transition_schema
    @action(detail=True, methods=["post"])
    def start(self, request, *args, **kwargs):
        """matched -> in progress."""
        return self._transition(request, "start")

    @_transition_schema
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        """in progress -> closed: the need is met."""
        return self._transition(request, "close")

    @_transition_schema
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel the demand (from open, matched or in progress)."""
        return self._transition(request, "cancel")
