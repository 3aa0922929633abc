from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response

from cluster_platform.api.permissions import (
    IsClusterPartner,
    IsClusterStaff,
    IsClusterStaffWriter,
    ReadOnly,
)
from cluster_platform.api.tenancy import ClusterScopedViewSet
from services.api.filters import OfferingFilter, OfferingRevisionFilter
from services.api.serializers.catalog import (
    CategorySerializer,
    CategoryTreeSerializer,
    ModerationItemSerializer,
    OfferingInputSerializer,
    OfferingRevisionSerializer,
    OfferingSerializer,
    RejectInputSerializer,
    WithdrawInputSerializer,
)
from services.api.serializers.net_cost import CatalogNetCostQuerySerializer
from services.api.views.lookups import acting_enterprise
from services.models import Offering, OfferingRevision
from services.selectors.categories import category_list
from services.selectors.net_cost import offering_net_costs
from services.selectors.offerings import (
    offering_moderation_queue,
    offering_revision_visible,
    offering_visible,
    offering_with_relations,
)
from services.services.offerings import (
    offering_approve,
    offering_create,
    offering_reject,
    offering_revision_approve,
    offering_revision_reject,
    offering_submit,
    offering_update,
    offering_withdraw,
)

# --- Taxonomy --------------------------------------------------------------------------------


class CategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The platform-wide service taxonomy: public, flat with parent codes (or as a tree)."""

    serializer_class = CategorySerializer
    permission_classes = [AllowAny]
    pagination_class = None  # a small, fixed taxonomy: clients want it whole
    filter_backends: list = []
    lookup_field = "code"

    def get_queryset(self):
        return category_list()

    @extend_schema(responses=CategoryTreeSerializer(many=True))
    @action(detail=False)
    def tree(self, request):
        """The taxonomy as a tree: top-level categories with their children."""
        categories = list(self.get_queryset())
        children: dict[str, list] = {}
        for category in categories:
            if category.parent_id:
                children.setdefault(category.parent_id, []).append(category)
        roots = [
            {
                "code": category.code,
                "name": category.name,
                "name_en": category.name_en,
                "position": category.position,
                "children": children.get(category.code, []),
            }
            for category in categories
            if category.parent_id is None
        ]
        return Response(CategoryTreeSerializer(roots, many=True).data)


# --- Offerings -------------------------------------------------------------------------------


class IsOwnOffering(BasePermission):
    """The caller acts for the partner that owns the offering."""

    def has_object_permission(self, request, view, obj):
        offering = obj.offering if isinstance(obj, OfferingRevision) else obj
        return offering.partner_id in view.roles.partner_enterprise_ids


@extend_schema_view(
    list=extend_schema(
        summary="Find services: published offerings (and your own / all for the agency)",
        parameters=[CatalogNetCostQuerySerializer],
    ),
    retrieve=extend_schema(parameters=[CatalogNetCostQuerySerializer]),
    create=extend_schema(request=OfferingInputSerializer, responses={201: OfferingSerializer}),
    partial_update=extend_schema(
        request=OfferingInputSerializer(partial=True),
        responses={200: OfferingSerializer},
        description=(
            "Drafts, rejected and withdrawn offerings change in place. A published offering keeps "
            "its approved version public; the change becomes a pending revision."
        ),
    ),
)
class OfferingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ClusterScopedViewSet,
):
    """The cluster's service catalog."""

    model = Offering
    serializer_class = OfferingSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = OfferingFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions = {
        "list": [ReadOnly],
        "retrieve": [ReadOnly],
        "create": [IsClusterPartner],
        "partial_update": [IsClusterPartner & IsOwnOffering],
        "submit": [IsClusterPartner & IsOwnOffering],
        "approve": [IsClusterStaffWriter],
        "reject": [IsClusterStaffWriter],
        "withdraw": [(IsClusterPartner & IsOwnOffering) | IsClusterStaffWriter],
    }

    def scoped_queryset(self):
        visible = offering_visible(cluster=self.cluster, roles=self.roles)
        # Pending revisions are shown to the agency and to the offering's own partner only
        # (OfferingSerializer); the public catalog does not read them.
        insider = self.roles.is_staff or bool(self.roles.partner_enterprise_ids)
        return offering_with_relations(visible, pending_revisions=insider).order_by("-created_at", "id")

    # --- What the SME pays (?net_cost=true) ---

    net_costs: dict | None = None

    def _net_cost_sme(self):
        """The SME to price for when the caller asks for net costs, else None.

        Net cost is what one SME pays after its own vouchers and the policies it qualifies for, so
        asking for it without being an SME member here is a mistake to report (400 on
        `net_cost`), not a parameter to ignore."""
        query = CatalogNetCostQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        if not query.validated_data["net_cost"]:
            return None
        if not self.roles.sme_enterprise_ids:
            raise ValidationError(
                {"net_cost": [_("Net cost is shown to SME members of this cluster only: sign in as one.")]}
            )
        return acting_enterprise(
            requested=query.validated_data.get("sme"), allowed=self.roles.sme_enterprise_ids, field="sme"
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.net_costs is not None:
            context["net_costs"] = self.net_costs
        return context

    def list(self, request, *args, **kwargs):
        sme = self._net_cost_sme()
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        if sme is not None:
            # One load of the SME's vouchers and covering policies prices the whole page.
            self.net_costs = offering_net_costs(cluster=self.cluster, sme=sme, offerings=rows)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        sme = self._net_cost_sme()
        offering = self.get_object()
        if sme is not None:
            self.net_costs = offering_net_costs(cluster=self.cluster, sme=sme, offerings=[offering])
        return Response(self.get_serializer(offering).data)

    def _respond(self, offering, status_code=status.HTTP_200_OK):
        offering = self.get_queryset().get(pk=offering.pk)
        return Response(self.get_serializer(offering).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = OfferingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        partner = acting_enterprise(
            requested=values.pop("partner", None), allowed=self.roles.partner_enterprise_ids, field="partner"
        )
        offering = offering_create(
            cluster=self.cluster,
            partner=partner,
            values=values,
            by=request.user,
        )
        return self._respond(offering, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        offering = self.get_object()
        serializer = OfferingInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {
            field: value for field, value in serializer.validated_data.items() if field in request.data
        }
        changes.pop("partner", None)
        offering, _revision = offering_update(offering=offering, changes=changes, by=request.user)
        return self._respond(offering)

    @extend_schema(
        request=None,
        responses={200: OfferingSerializer, 409: OpenApiResponse(description="Invalid transition")},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        """Send the offering to the agency for review (from draft, rejected or withdrawn)."""
        return self._respond(offering_submit(offering=self.get_object(), by=request.user))

    @extend_schema(
        request=None,
        responses={200: OfferingSerializer, 409: OpenApiResponse(description="Invalid transition")},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        """The agency publishes a pending offering."""
        return self._respond(offering_approve(offering=self.get_object(), by=request.user))

    @extend_schema(
        request=RejectInputSerializer,
        responses={200: OfferingSerializer, 409: OpenApiResponse(description="Invalid transition")},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        """The agency rejects a pending offering, with a reason shown to the partner."""
        offering = self.get_object()
        serializer = RejectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._respond(
            offering_reject(offering=offering, by=request.user, reason=serializer.validated_data["reason"])
        )

    @extend_schema(
        request=WithdrawInputSerializer,
        responses={200: OfferingSerializer, 409: OpenApiResponse(description="Invalid transition")},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        """Take the offering off the catalog: its partner, or the agency with a reason."""
        offering = self.get_object()
        serializer = WithdrawInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        by_agency = offering.partner_id not in self.roles.partner_enterprise_ids
        offering = offering_withdraw(
            offering=offering,
            by=request.user,
            by_agency=by_agency,
            reason=serializer.validated_data.get("reason", ""),
        )
        return self._respond(offering)


class OfferingRevisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    """Proposed changes to published offerings: the partner's own, or all of them for the agency."""

    model = OfferingRevision
    serializer_class = OfferingRevisionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = OfferingRevisionFilter
    action_permissions = {
        "list": [IsClusterStaff | IsClusterPartner],
        "retrieve": [IsClusterStaff | IsClusterPartner],
        "approve": [IsClusterStaffWriter],
        "reject": [IsClusterStaffWriter],
    }

    def scoped_queryset(self):
        return offering_revision_visible(cluster=self.cluster, roles=self.roles)

    @extend_schema(
        request=None,
        responses={200: OfferingSerializer, 409: OpenApiResponse(description="Invalid transition")},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        """Apply the proposed values to the offering (the public sees them from now on)."""
        offering = offering_revision_approve(revision=self.get_object(), by=request.user)
        offering = offering_with_relations(Offering.objects.filter(pk=offering.pk)).get()
        return Response(OfferingSerializer(offering, context=self.get_serializer_context()).data)

    @extend_schema(
        request=RejectInputSerializer,
        responses={200: OfferingRevisionSerializer, 409: OpenApiResponse(description="Invalid transition")},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        """Refuse the proposed change; the offering stays as approved."""
        revision = self.get_object()
        serializer = RejectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revision = offering_revision_reject(
            revision=revision, by=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=revision.pk)).data)


class OfferingModerationViewSet(mixins.ListModelMixin, ClusterScopedViewSet):
    """The agency's review queue for offerings, oldest first: new offerings and changes to published ones."""

    model = Offering
    serializer_class = ModerationItemSerializer
    filter_backends: list = []
    action_permissions = {"list": [IsClusterStaff]}

    def scoped_queryset(self):
        return offering_moderation_queue(cluster=self.cluster)
