from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from cluster_platform.api.permissions import IsClusterStaff, IsClusterStaffWriter
from cluster_platform.api.tenancy import ClusterScopedViewSet
from enterprises.models import Membership
from programmes.api.serializers.partners import (
    AccreditationRenewSerializer,
    GenerateResultSerializer,
    PartnerAccreditationSerializer,
    PartnerReviewRowSerializer,
    PartnerTierCriteriaSerializer,
    ProposalDecisionSerializer,
    TierProposalSerializer,
)
from programmes.models import PartnerTierCriteria, TierProposal
from programmes.selectors.partners import partner_memberships, partner_review, tier_criteria_get
from programmes.services.partners import (
    accreditation_set,
    tier_criteria_set,
    tier_proposal_accept,
    tier_proposal_decline,
    tier_proposals_generate,
)

_CONFLICT = {409: OpenApiResponse(description="Already decided.")}


class PartnerTierCriteriaViewSet(ClusterScopedViewSet):
    """The cluster's partner-tier criteria and yearly-review threshold (one set per cluster)."""

    model = PartnerTierCriteria
    serializer_class = PartnerTierCriteriaSerializer
    pagination_class = None
    filter_backends = []
    action_permissions = {"list": [IsClusterStaff], "create": [IsClusterStaffWriter]}

    @extend_schema(
        responses={200: PartnerTierCriteriaSerializer}, summary="The criteria (defaults until set)"
    )
    def list(self, request, *args, **kwargs):
        return Response(self.get_serializer(tier_criteria_get(cluster=self.cluster)).data)

    @extend_schema(
        request=PartnerTierCriteriaSerializer,
        responses={200: PartnerTierCriteriaSerializer},
        summary="Set any of the criteria",
    )
    def create(self, request, *args, **kwargs):
        data = PartnerTierCriteriaSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        criteria = tier_criteria_set(cluster=self.cluster, by=request.user, values=dict(data.validated_data))
        return Response(self.get_serializer(criteria).data)


class TierProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    """Proposed promotions and demotions of partners, with the criterion that decides each."""

    model = TierProposal
    serializer_class = TierProposalSerializer
    ordering_fields = ["created_at"]
    filterset_fields = ["status"]
    action_permissions = {
        "list": [IsClusterStaff],
        "retrieve": [IsClusterStaff],
        "accept": [IsClusterStaffWriter],
        "decline": [IsClusterStaffWriter],
        "generate": [IsClusterStaffWriter],
    }

    def scoped_queryset(self):
        return TierProposal.objects.select_related("partner").order_by("-created_at", "id")

    @extend_schema(
        request=ProposalDecisionSerializer,
        responses={200: TierProposalSerializer, **_CONFLICT},
        summary="Accept: the partner's tier changes",
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        proposal = self.get_object()
        data = ProposalDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = tier_proposal_accept(proposal=proposal, by=request.user, **data.validated_data)
        return Response(self.get_serializer(proposal).data)

    @extend_schema(
        request=ProposalDecisionSerializer,
        responses={200: TierProposalSerializer, **_CONFLICT},
        summary="Decline, with a reason",
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, *args, **kwargs):
        proposal = self.get_object()
        data = ProposalDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = tier_proposal_decline(proposal=proposal, by=request.user, **data.validated_data)
        return Response(self.get_serializer(proposal).data)

    @extend_schema(
        request=None, responses={200: GenerateResultSerializer}, summary="Propose now (also daily)"
    )
    @action(detail=False, methods=["post"])
    def generate(self, request, *args, **kwargs):
        return Response({"open_proposals": tier_proposals_generate(cluster=self.cluster)})


class PartnerAccreditationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    """The cluster's partners with their accreditation; renewal and the yearly review."""

    model = Membership
    serializer_class = PartnerAccreditationSerializer
    ordering_fields = ["accreditation_valid_until", "created_at"]
    action_permissions = {
        "list": [IsClusterStaff],
        "retrieve": [IsClusterStaff],
        "renew": [IsClusterStaffWriter],
        "review": [IsClusterStaff],
    }

    def scoped_queryset(self):
        return partner_memberships(cluster=self.cluster)

    @extend_schema(
        request=AccreditationRenewSerializer,
        responses={200: PartnerAccreditationSerializer},
        summary="Accredit or renew until a date",
    )
    @action(detail=True, methods=["post"])
    def renew(self, request, *args, **kwargs):
        membership = self.get_object()  # 404 for another cluster's row before the body is read
        data = AccreditationRenewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = accreditation_set(
            membership=membership, valid_until=data.validated_data["valid_until"], by=request.user
        )
        return Response(self.get_serializer(membership).data)

    @extend_schema(responses={200: PartnerReviewRowSerializer(many=True)}, summary="The yearly review")
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def review(self, request, *args, **kwargs):
        rows = partner_review(cluster=self.cluster, today=timezone.localdate())
        return Response(PartnerReviewRowSerializer(rows, many=True).data)
