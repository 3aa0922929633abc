from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cluster_platform.api.permissions import (
    IsClusterMember,
    IsClusterSME,
    IsClusterStaff,
    IsClusterStaffWriter,
)
from cluster_platform.api.tenancy import ClusterScopedViewSet
from enterprises.models import Enterprise
from policies.models import Policy
from programmes.api.serializers.programmes import (
    EligibilityQuerySerializer,
    EligibilitySerializer,
    LedgerEntrySerializer,
    ProgrammeInputSerializer,
    ProgrammeSerializer,
    ReconciliationSerializer,
)
from programmes.api.serializers.vouchers import (
    VoucherApplySerializer,
    VoucherIssueSerializer,
    VoucherSerializer,
)
from programmes.models import VoucherProgramme
from programmes.selectors.eligibility import programme_eligibility_explain
from programmes.selectors.ledger import ledger_list, programme_reconciliation
from programmes.selectors.programmes import programme_list
from programmes.services.programmes import programme_create, programme_update
from programmes.services.vouchers import voucher_apply, voucher_issue
from services.api.views.lookups import acting_enterprise


def _policy(pk, *, cluster) -> Policy | None:
    """The funding policy: one of the library's or this cluster's own, else a field error."""
    if pk is None:
        return None
    policy = (
        Policy.objects.filter(pk=pk, cluster__isnull=True).first()
        or Policy.objects.filter(pk=pk, cluster=cluster).first()
    )
    if policy is None:
        raise ValidationError({"policy": [_("Not found in this cluster.")]})
    return policy


class VoucherProgrammeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ClusterScopedViewSet,
):
    """Service-voucher programmes (服务券) of the cluster's agency. See docs/programmes.md."""

    model = VoucherProgramme
    serializer_class = ProgrammeSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["applications_open", "created_at", "name"]
    action_permissions = {
        "list": [IsClusterMember | IsClusterStaff],
        "retrieve": [IsClusterMember | IsClusterStaff],
        "create": [IsClusterStaffWriter],
        "partial_update": [IsClusterStaffWriter],
        "eligibility": [IsClusterSME],
        "apply": [IsClusterSME],
        "issue": [IsClusterStaffWriter],
        "reconciliation": [IsClusterStaff],
        "ledger": [IsClusterStaff],
    }

    def scoped_queryset(self):
        return programme_list(cluster=self.cluster)

    @extend_schema(request=ProgrammeInputSerializer, responses={201: ProgrammeSerializer})
    def create(self, request, *args, **kwargs):
        data = ProgrammeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["policy"] = _policy(values.get("policy"), cluster=self.cluster)
        programme = programme_create(cluster=self.cluster, by=request.user, **values)
        return Response(self.get_serializer(programme).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ProgrammeInputSerializer(partial=True),
        responses={200: ProgrammeSerializer},
        description="The budget may only grow; the increase is funded by a new ledger row.",
    )
    def partial_update(self, request, *args, **kwargs):
        programme = self.get_object()
        data = ProgrammeInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "policy" in changes:
            changes["policy"] = _policy(changes["policy"], cluster=self.cluster)
        programme = programme_update(programme=programme, by=request.user, changes=changes)
        return Response(self.get_serializer(programme).data)

    @extend_schema(
        parameters=[EligibilityQuerySerializer],
        responses={200: EligibilitySerializer},
        summary="Whether your SME qualifies, condition by condition",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def eligibility(self, request, *args, **kwargs):
        programme = self.get_object()
        query = EligibilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        sme = acting_enterprise(
            requested=query.validated_data.get("sme"), allowed=self.roles.sme_enterprise_ids, field="sme"
        )
        return Response(
            EligibilitySerializer(programme_eligibility_explain(programme=programme, enterprise=sme)).data
        )

    @extend_schema(
        request=VoucherApplySerializer,
        responses={201: VoucherSerializer, 409: OpenApiResponse(description="Already holds a voucher here.")},
        summary="Apply for a voucher (refused with the unmet conditions if the SME does not qualify)",
    )
    @action(detail=True, methods=["post"])
    def apply(self, request, *args, **kwargs):
        programme = self.get_object()
        data = VoucherApplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sme = acting_enterprise(
            requested=data.validated_data.get("sme"), allowed=self.roles.sme_enterprise_ids, field="sme"
        )
        voucher = voucher_apply(
            programme=programme, sme=sme, by=request.user, note=data.validated_data["note"]
        )
        return Response(VoucherSerializer(voucher).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=VoucherIssueSerializer,
        responses={
            201: VoucherSerializer,
            409: OpenApiResponse(description="Budget exhausted, or a voucher exists."),
        },
        summary="Issue a voucher directly to an approved SME member (reserves at once)",
    )
    @action(detail=True, methods=["post"])
    def issue(self, request, *args, **kwargs):
        programme = self.get_object()
        data = VoucherIssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sme = Enterprise.objects.filter(pk=data.validated_data["sme"]).first()
        if sme is None:
            raise ValidationError({"sme": [_("Not found in this cluster.")]})
        voucher = voucher_issue(
            programme=programme, sme=sme, by=request.user, reason=data.validated_data["reason"]
        )
        return Response(VoucherSerializer(voucher).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: ReconciliationSerializer}, summary="Budget against the ledger: always balanced"
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def reconciliation(self, request, *args, **kwargs):
        programme = self.get_object()
        return Response(
            ReconciliationSerializer(programme_reconciliation(programme=programme).as_dict()).data
        )

    @extend_schema(
        responses={200: LedgerEntrySerializer(many=True)}, summary="The programme's ledger, in order"
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def ledger(self, request, *args, **kwargs):
        programme = self.get_object()
        rows = ledger_list(cluster=self.cluster, programme=programme).select_related("actor")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(LedgerEntrySerializer(page, many=True).data)
