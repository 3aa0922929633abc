from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cluster_platform.api.permissions import IsClusterStaff
from cluster_platform.api.tenancy import ClusterScopedViewSet
from cluster_platform.api.throttling import LiveScopedRateThrottle
from enterprises.models import Enterprise, Membership, MembershipRole, MembershipStatus
from policies.api.serializers.eligibility import LimitSerializer, PolicyMatchesSerializer, ProfileSerializer
from policies.eligibility.calculator import enterprise_policy_matches, profile_policy_matches

LIMIT_PARAMETER = OpenApiParameter("limit", int, description="Results per section (1-100, default 20).")


class EnterprisePolicyMatchesView(APIView):
    """The policy calculator for one of the caller's enterprises: eligible policies, near misses
    and policies that need more profile facts. Another enterprise answers 404."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[LIMIT_PARAMETER],
        responses=PolicyMatchesSerializer,
        operation_id="enterprise_policy_matches",
    )
    def get(self, request, enterprise_id):
        params = LimitSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        enterprise = Enterprise.objects.filter(id=enterprise_id, users__user=request.user).first()
        if enterprise is None:
            raise Http404
        matches = enterprise_policy_matches(enterprise=enterprise, limit=params.validated_data["limit"])
        return Response(PolicyMatchesSerializer(matches).data)


class PolicyCheckView(APIView):
    """Anonymous policy check: the calculator for an ad-hoc profile against the platform's
    policy library. Throttled (scope anon_check)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [LiveScopedRateThrottle]
    throttle_scope = "anon_check"

    @extend_schema(request=ProfileSerializer, responses=PolicyMatchesSerializer, operation_id="policy_check")
    def post(self, request):
        serializer = ProfileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profile = dict(serializer.validated_data)
        limit = profile.pop("limit")
        return Response(PolicyMatchesSerializer(profile_policy_matches(profile=profile, limit=limit)).data)


class MemberPolicyMatchesViewSet(ClusterScopedViewSet):
    """Agency staff's view of an SME member's policy matches: the library and this cluster's
    local policies only, and membership of other clusters is not disclosed."""

    model = Membership
    permission_classes = [IsClusterStaff]
    lookup_field = "enterprise_id"
    lookup_url_kwarg = "enterprise_id"
    serializer_class = PolicyMatchesSerializer

    def scoped_queryset(self):
        return (
            Membership.objects.filter(role=MembershipRole.SME, status=MembershipStatus.APPROVED)
            .select_related("enterprise")
            .order_by("created_at", "id")
        )

    @extend_schema(
        parameters=[LIMIT_PARAMETER],
        responses=PolicyMatchesSerializer,
        operation_id="cluster_member_policy_matches",
    )
    @action(detail=True, methods=["get"], url_path="policy-matches")
    def policy_matches(self, request, *args, **kwargs):
        params = LimitSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        membership = self.get_object()
        matches = enterprise_policy_matches(
            enterprise=membership.enterprise, cluster=self.cluster, limit=params.validated_data["limit"]
        )
        return Response(PolicyMatchesSerializer(matches).data)
