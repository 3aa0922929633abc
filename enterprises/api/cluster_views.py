"""Cluster-scoped enterprise API: memberships and the agency's decisions, the member directory."""

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cluster_platform.api.filters import StrictBooleanFilter
from cluster_platform.api.permissions import (
    IsAuthenticatedUser,
    IsClusterMember,
    IsClusterStaff,
    IsClusterStaffWriter,
)
from cluster_platform.api.tenancy import ClusterScopedViewSet
from cluster_platform.reference import get_region
from cluster_platform.reference.regions import region_prefix
from enterprises.api.serializers import (
    DecisionReasonSerializer,
    DirectoryEntrySerializer,
    EnterpriseSerializer,
    MembershipApplySerializer,
    MembershipSerializer,
    PartnerTierSerializer,
)
from enterprises.models import (
    Enterprise,
    Membership,
    MembershipRole,
    MembershipStatus,
    SizeClass,
)
from enterprises.selectors.enterprises import enterprises_verifiable
from enterprises.selectors.memberships import member_directory, membership_list
from enterprises.services.enterprises import enterprise_unverify, enterprise_verify
from enterprises.services.memberships import (
    membership_apply,
    membership_approve,
    membership_reject,
    membership_set_tier,
    membership_suspend,
)


class MembershipFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=MembershipStatus.choices)
    role = django_filters.ChoiceFilter(choices=MembershipRole.choices)
    enterprise = django_filters.UUIDFilter(field_name="enterprise_id")

    class Meta:
        model = Membership
        fields = ["status", "role", "enterprise"]


class MembershipViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ClusterScopedViewSet
):
    """Applications to the cluster and the agency's decisions on them.

    Staff (viewers included) see every membership; an enterprise's users see their own.
    """

    model = Membership
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilter
    ordering_fields: list[str] = []  # one deterministic order (newest first), see the selector
    permission_classes = [IsAuthenticatedUser]
    action_permissions = {
        "approve": [IsClusterStaffWriter],
        "reject": [IsClusterStaffWriter],
        "suspend": [IsClusterStaffWriter],
        "tier": [IsClusterStaffWriter],
    }

    def scoped_queryset(self):
        queryset = membership_list(cluster=self.cluster)
        if not self.roles.is_staff:
            queryset = queryset.filter(enterprise_id__in=self.roles.enterprise_ids)
        return queryset

    @extend_schema(request=MembershipApplySerializer, responses={201: MembershipSerializer})
    def create(self, request, *args, **kwargs):
        serializer = MembershipApplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # Only the caller's own enterprises are looked up: another one gets the same answer as a
        # missing one, so the endpoint cannot be used to probe the registry.
        enterprise = Enterprise.objects.filter(
            pk=data["enterprise"], id__in=self.roles.enterprise_ids
        ).first()
        if enterprise is None:
            raise ValidationError({"enterprise": [_("You do not act for this enterprise.")]})
        membership = membership_apply(
            cluster=self.cluster,
            enterprise=enterprise,
            role=data["role"],
            application_note=data["application_note"],
            by=request.user,
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: MembershipSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        membership = membership_approve(membership=self.get_object(), by=request.user)
        return Response(MembershipSerializer(membership).data)

    @extend_schema(request=DecisionReasonSerializer, responses={200: MembershipSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        return self._decide_with_reason(request, membership_reject)

    @extend_schema(request=DecisionReasonSerializer, responses={200: MembershipSerializer})
    @action(detail=True, methods=["post"])
    def suspend(self, request, *args, **kwargs):
        return self._decide_with_reason(request, membership_suspend)

    def _decide_with_reason(self, request, decide):
        """Run the agency's decision `decide` (membership_reject or membership_suspend) with its reason."""
        membership = self.get_object()
        serializer = DecisionReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = decide(
            membership=membership, reason=serializer.validated_data["reason"], by=request.user
        )
        return Response(MembershipSerializer(membership).data)

    @extend_schema(request=PartnerTierSerializer, responses={200: MembershipSerializer})
    @action(detail=True, methods=["post"])
    def tier(self, request, *args, **kwargs):
        membership = self.get_object()
        serializer = PartnerTierSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = membership_set_tier(
            membership=membership, tier=serializer.validated_data["partner_tier"], by=request.user
        )
        return Response(MembershipSerializer(membership).data)


class DirectoryFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=MembershipRole.choices, method="filter_role")
    industry = django_filters.CharFilter(
        method="filter_industry", help_text="GB/T 4754 code prefix, e.g. C39"
    )
    region = django_filters.CharFilter(method="filter_region", help_text="GB/T 2260 code; members within it")
    size_class = django_filters.ChoiceFilter(choices=SizeClass.choices)
    verified = StrictBooleanFilter(field_name="verified_at", lookup_expr="isnull", exclude=True)
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Enterprise
        fields = ["role", "industry", "region", "size_class", "verified", "search"]

    def filter_role(self, queryset, name, value):
        cluster = self.request.parser_context["view"].cluster
        return queryset.filter(
            id__in=Membership.objects.filter(
                cluster=cluster, status=MembershipStatus.APPROVED, role=value
            ).values("enterprise_id")
        )

    def filter_industry(self, queryset, name, value):
        return queryset.filter(industry_code__startswith=value.strip().upper())

    def filter_region(self, queryset, name, value):
        value = value.strip()
        if get_region(value) is None:
            return queryset.none()
        return queryset.filter(region_code__startswith=region_prefix(value))


class MemberDirectoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    """The cluster's approved members. Staff see full profiles; members see public profiles only.

    Staff who decide (admin, operator) also verify an enterprise's registration facts here, for any
    enterprise that applied to the cluster and was not rejected.
    """

    model = Enterprise
    cluster_field = "memberships__cluster"
    serializer_class = DirectoryEntrySerializer
    filterset_class = DirectoryFilter
    ordering_fields: list[str] = []  # by name, then id: deterministic across pages
    permission_classes = [IsClusterStaff | IsClusterMember]
    action_permissions = {"verify": [IsClusterStaffWriter], "unverify": [IsClusterStaffWriter]}

    def scoped_queryset(self):
        if self.action in ("verify", "unverify"):
            queryset = enterprises_verifiable(cluster=self.cluster)
        else:
            queryset = member_directory(cluster=self.cluster)
        # The base joins memberships to filter by cluster: an SME that is also a partner would
        # appear twice without distinct().
        return queryset.distinct()

    def get_serializer_class(self):
        if self.action in ("verify", "unverify"):
            return EnterpriseSerializer
        return DirectoryEntrySerializer

    @extend_schema(request=None, responses={200: EnterpriseSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, *args, **kwargs):
        enterprise = enterprise_verify(cluster=self.cluster, enterprise=self.get_object(), by=request.user)
        return Response(EnterpriseSerializer(enterprise).data)

    @extend_schema(request=None, responses={200: EnterpriseSerializer})
    @action(detail=True, methods=["post"])
    def unverify(self, request, *args, **kwargs):
        enterprise = enterprise_unverify(cluster=self.cluster, enterprise=self.get_object(), by=request.user)
        return Response(EnterpriseSerializer(enterprise).data)
