"""Platform-wide enterprise API: register an enterprise, keep its profile, manage its users."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from cluster_platform.api.tenancy import UUID_LOOKUP_REGEX
from enterprises.api.serializers import (
    EnterpriseInputSerializer,
    EnterpriseInvitationSerializer,
    EnterpriseSerializer,
    EnterpriseUserInviteSerializer,
    EnterpriseUserSerializer,
    ReceivedInvitationSerializer,
)
from enterprises.models import Enterprise, EnterpriseInvitation, EnterpriseRole, EnterpriseUser
from enterprises.selectors.enterprises import enterprise_list_for_user, enterprise_users, invitations_received
from enterprises.services.enterprises import (
    enterprise_invitation_accept,
    enterprise_invitation_decline,
    enterprise_register,
    enterprise_update,
    enterprise_user_invite,
    enterprise_user_remove,
)


class EnterpriseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The enterprises the signed-in user acts for. Someone else's enterprise answers 404."""

    permission_classes = [IsAuthenticated]
    serializer_class = EnterpriseSerializer
    lookup_value_regex = UUID_LOOKUP_REGEX
    filterset_fields = ["size_class", "industry_code", "region_code"]
    ordering_fields: list[str] = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Enterprise.objects.none()
        return enterprise_list_for_user(user=self.request.user)

    def _my_role(self, enterprise) -> str | None:
        return (
            EnterpriseUser.objects.filter(enterprise=enterprise, user=self.request.user)
            .values_list("role", flat=True)
            .first()
        )

    def _require_owner(self, enterprise) -> None:
        if self._my_role(enterprise) != EnterpriseRole.OWNER:
            raise PermissionDenied(_("Only the enterprise's owners may manage its users."))

    @extend_schema(request=EnterpriseInputSerializer, responses={201: EnterpriseSerializer})
    def create(self, request, *args, **kwargs):
        serializer = EnterpriseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        uscc = data.pop("uscc")
        enterprise = enterprise_register(uscc=uscc, data=data, by=request.user)
        return Response(EnterpriseSerializer(enterprise).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EnterpriseInputSerializer, responses={200: EnterpriseSerializer})
    def partial_update(self, request, *args, **kwargs):
        enterprise = self.get_object()
        serializer = EnterpriseInputSerializer(instance=enterprise, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        enterprise = enterprise_update(
            enterprise=enterprise, data=dict(serializer.validated_data), by=request.user
        )
        return Response(EnterpriseSerializer(enterprise).data)

    @extend_schema(
        methods=["GET"],
        responses={200: EnterpriseUserSerializer(many=True)},
        summary="List the enterprise's users",
    )
    @extend_schema(
        methods=["POST"],
        request=EnterpriseUserInviteSerializer,
        responses={202: EnterpriseInvitationSerializer},
        summary="Invite someone by email to act for the enterprise (owners only); they accept or decline",
    )
    @action(
        detail=True, methods=["get", "post"], url_path="users", pagination_class=None, filterset_fields=[]
    )
    def users(self, request, pk=None):
        enterprise = self.get_object()
        if request.method == "GET":
            links = enterprise_users(enterprise=enterprise)
            return Response(EnterpriseUserSerializer(links, many=True).data)
        self._require_owner(enterprise)
        serializer = EnterpriseUserInviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = enterprise_user_invite(
            enterprise=enterprise, by=request.user, **serializer.validated_data
        )
        return Response(EnterpriseInvitationSerializer(invitation).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="Removed")},
        summary="Remove a user from the enterprise (owners; members may remove themselves)",
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=f"users/(?P<link_id>{UUID_LOOKUP_REGEX})",
        filterset_fields=[],
    )
    def remove_user(self, request, pk=None, link_id=None):
        enterprise = self.get_object()
        link = get_object_or_404(EnterpriseUser, pk=link_id, enterprise=enterprise)
        if link.user_id != request.user.pk:
            self._require_owner(enterprise)
        enterprise_user_remove(link=link, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["accounts"])
class ReceivedInvitationViewSet(viewsets.GenericViewSet):
    """The signed-in user's pending invitations to act for enterprises; accept or decline them.
    An invitation addressed to another email answers 404."""

    permission_classes = [IsAuthenticated]
    serializer_class = ReceivedInvitationSerializer
    pagination_class = None
    filterset_fields: list[str] = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return EnterpriseInvitation.objects.none()
        return invitations_received(user=self.request.user)

    @extend_schema(responses={200: ReceivedInvitationSerializer(many=True)}, summary="My pending invitations")
    def list(self, request):
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

    @extend_schema(request=None, responses={200: EnterpriseUserSerializer}, summary="Accept an invitation")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        link = enterprise_invitation_accept(invitation=self.get_object(), user=request.user)
        return Response(EnterpriseUserSerializer(link).data)

    @extend_schema(
        request=None, responses={200: ReceivedInvitationSerializer}, summary="Decline an invitation"
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        invitation = enterprise_invitation_decline(invitation=self.get_object(), user=request.user)
        return Response(self.get_serializer(invitation).data)
