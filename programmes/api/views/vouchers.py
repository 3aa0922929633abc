import django_filters
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from cluster_platform.api.permissions import (
    IsClusterMember,
    IsClusterPartner,
    IsClusterSME,
    IsClusterStaff,
    IsClusterStaffWriter,
)
from cluster_platform.api.tenancy import ClusterScopedViewSet
from programmes.api.serializers.vouchers import (
    DecisionSerializer,
    VoucherClaimCreateSerializer,
    VoucherClaimSerializer,
    VoucherRedeemSerializer,
    VoucherSerializer,
)
from programmes.models import ClaimStatus, Voucher, VoucherClaim, VoucherStatus
from programmes.selectors.programmes import claim_list, voucher_list
from programmes.services.claims import claim_approve, claim_reject, claim_submit
from programmes.services.vouchers import voucher_approve, voucher_redeem, voucher_reject
from services.api.views.lookups import acting_enterprise
from services.models import Engagement

_READERS = [IsClusterMember | IsClusterStaff]
_CONFLICT = {
    409: OpenApiResponse(description="Not allowed from the current state (names the allowed actions).")
}


class VoucherFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=VoucherStatus.choices)
    programme = django_filters.UUIDFilter(field_name="programme_id")

    class Meta:
        model = Voucher
        fields = ["status", "programme"]


class VoucherViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    """Vouchers: an SME sees its own, a partner those paying for its engagements, the agency all."""

    model = Voucher
    serializer_class = VoucherSerializer
    filterset_class = VoucherFilter
    ordering_fields = ["created_at", "valid_until", "amount"]
    action_permissions = {
        "list": _READERS,
        "retrieve": _READERS,
        "approve": [IsClusterStaffWriter],
        "reject": [IsClusterStaffWriter],
        "redeem": [IsClusterSME],
    }

    def scoped_queryset(self):
        return voucher_list(cluster=self.cluster, roles=self.roles)

    @extend_schema(
        request=DecisionSerializer,
        responses={200: VoucherSerializer, **_CONFLICT},
        summary="Approve an application: reserves its amount (409 when the budget cannot)",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        voucher = self.get_object()
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        voucher = voucher_approve(voucher=voucher, by=request.user, reason=data.validated_data["reason"])
        return Response(self.get_serializer(voucher).data)

    @extend_schema(
        request=DecisionSerializer,
        responses={200: VoucherSerializer, **_CONFLICT},
        summary="Reject, with a reason",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        voucher = self.get_object()
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        voucher = voucher_reject(voucher=voucher, by=request.user, reason=data.validated_data["reason"])
        return Response(self.get_serializer(voucher).data)

    @extend_schema(
        request=VoucherRedeemSerializer,
        responses={200: VoucherSerializer, **_CONFLICT},
        summary="Apply the voucher to one of your engagements, at the agreed price",
    )
    @action(detail=True, methods=["post"])
    def redeem(self, request, *args, **kwargs):
        voucher = self.get_object()
        if voucher.sme_id not in self.roles.sme_enterprise_ids:
            raise ValidationError({"voucher": [_("Only the SME holding the voucher may redeem it.")]})
        data = VoucherRedeemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        engagement = (
            Engagement.objects.filter(
                cluster=self.cluster, pk=data.validated_data["engagement"], sme_id=voucher.sme_id
            )
            .select_related("offering__category")
            .first()
        )
        if engagement is None:
            raise ValidationError({"engagement": [_("Not one of this SME's engagements in this cluster.")]})
        voucher = voucher_redeem(
            voucher=voucher,
            engagement=engagement,
            contract_price=data.validated_data["contract_price"],
            by=request.user,
        )
        return Response(self.get_serializer(voucher).data)


class VoucherClaimFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ClaimStatus.choices)

    class Meta:
        model = VoucherClaim
        fields = ["status"]


class VoucherClaimViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ClusterScopedViewSet
):
    """Partners' claims for redeemed vouchers, with proof of delivery; the agency pays or rejects."""

    model = VoucherClaim
    serializer_class = VoucherClaimSerializer
    filterset_class = VoucherClaimFilter
    ordering_fields = ["created_at"]
    # JSON for the decisions, multipart for the claim with its file.
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    action_permissions = {
        "list": _READERS,
        "retrieve": _READERS,
        "proof": _READERS,
        "create": [IsClusterPartner],
        "approve": [IsClusterStaffWriter],
        "reject": [IsClusterStaffWriter],
    }

    def scoped_queryset(self):
        return claim_list(cluster=self.cluster, roles=self.roles)

    @extend_schema(
        request={"multipart/form-data": VoucherClaimCreateSerializer},
        responses={201: VoucherClaimSerializer, **_CONFLICT},
        summary="Claim a redeemed voucher once the engagement is completed, with proof",
    )
    def create(self, request, *args, **kwargs):
        data = VoucherClaimCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner = acting_enterprise(
            requested=data.validated_data.get("partner"),
            allowed=self.roles.partner_enterprise_ids,
            field="partner",
        )
        voucher = (
            Voucher.objects.filter(
                cluster=self.cluster, pk=data.validated_data["voucher"], engagement__partner_id=partner.pk
            )
            .select_related("engagement", "programme", "cluster")
            .first()
        )
        if voucher is None:
            raise ValidationError({"voucher": [_("This voucher does not pay for one of your engagements.")]})
        claim = claim_submit(
            voucher=voucher,
            partner=partner,
            proof=data.validated_data["proof"],
            by=request.user,
            note=data.validated_data["note"],
        )
        return Response(self.get_serializer(claim).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DecisionSerializer,
        responses={200: VoucherClaimSerializer, **_CONFLICT},
        summary="Pay the claim",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        claim = self.get_object()
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = claim_approve(claim=claim, by=request.user, reason=data.validated_data["reason"])
        return Response(self.get_serializer(claim).data)

    @extend_schema(
        request=DecisionSerializer,
        responses={200: VoucherClaimSerializer, **_CONFLICT},
        summary="Reject the claim, with a reason (the subsidy returns to the budget)",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        claim = self.get_object()
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = claim_reject(claim=claim, by=request.user, reason=data.validated_data["reason"])
        return Response(self.get_serializer(claim).data)

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        summary="Download the proof (the agency, the claiming partner and the SME)",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def proof(self, request, *args, **kwargs):
        claim = self.get_object()
        return FileResponse(
            claim.proof.open("rb"),
            as_attachment=True,
            filename=claim.proof_name,
            content_type=claim.proof_content_type,
        )
