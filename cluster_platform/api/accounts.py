"""Accounts: registration, token sign-in and sign-out (django-rest-knox), the signed-in user.

Tokens are knox tokens: only a hash is stored, each expires (REST_KNOX.TOKEN_TTL, refreshed on
use) and each can be revoked alone (log out) or all together (log out everywhere).
Clients send them as `Authorization: Token <key>`.
"""

from collections.abc import Mapping

from django.contrib.auth import authenticate, update_session_auth_hash
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cluster_platform import services
from cluster_platform.api.authentication import PlatformTokenAuthentication
from cluster_platform.api.throttling import (
    LiveScopedRateThrottle,
    PasswordGuessThrottle,
    SignInAddressThrottle,
)
from cluster_platform.models import User
from cluster_platform.password_validation import MAX_PASSWORD_LENGTH
from enterprises.selectors.enterprises import user_enterprise_links
from enterprises.selectors.roles import user_cluster_standings

# --- Serializers ------------------------------------------------------------------------------


def _password_field(**kwargs) -> serializers.CharField:
    """A password input, refused past MAX_PASSWORD_LENGTH before anything hashes it."""
    return serializers.CharField(
        trim_whitespace=False,
        max_length=MAX_PASSWORD_LENGTH,
        style={"input_type": "password"},
        **kwargs,
    )


class RegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=100)
    password = _password_field(write_only=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class LoginInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = _password_field()


class ProfileUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)


class PasswordChangeInputSerializer(serializers.Serializer):
    current_password = _password_field()
    new_password = _password_field()


class UserEnterpriseSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="enterprise.id")
    name = serializers.CharField(source="enterprise.name")
    uscc = serializers.CharField(source="enterprise.uscc")
    role = serializers.CharField(help_text="The user's role in the enterprise: owner or member.")


class UserMembershipSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    enterprise_id = serializers.UUIDField()
    enterprise_name = serializers.CharField(source="enterprise.name")
    role = serializers.CharField(help_text="sme or partner")
    status = serializers.CharField(help_text="pending, approved, rejected or suspended")
    partner_tier = serializers.CharField()


class UserClusterSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="cluster.id")
    slug = serializers.SlugField(source="cluster.slug")
    name = serializers.CharField(source="cluster.name")
    staff_role = serializers.CharField(
        allow_null=True, help_text="admin, operator or viewer on the cluster's agency staff; null if none."
    )
    memberships = UserMembershipSerializer(many=True)


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name", "phone", "date_joined"]
        read_only_fields = fields


class MeSerializer(UserSerializer):
    enterprises = serializers.SerializerMethodField()
    clusters = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "enterprises", "clusters"]
        read_only_fields = fields

    @extend_schema_field(UserEnterpriseSerializer(many=True))
    def get_enterprises(self, user):
        return UserEnterpriseSerializer(user_enterprise_links(user=user), many=True).data

    @extend_schema_field(UserClusterSerializer(many=True))
    def get_clusters(self, user):
        return UserClusterSerializer(user_cluster_standings(user=user), many=True).data


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`. Shown only once.")
    expiry = serializers.DateTimeField(help_text="When the token expires unless used (use extends it).")
    user = UserSerializer()


# --- Views ------------------------------------------------------------------------------------


class RegisterView(APIView):
    """Create an account with email, name and password (and optionally a phone number)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LiveScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(request=RegisterInputSerializer, responses={201: UserSerializer}, tags=["accounts"])
    def post(self, request):
        data = _validated(RegisterInputSerializer, request)
        user = services.user_register(**data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    """Exchange email and password for a token. Throttled per client address and per account
    (wrong passwords), the same limits as the session logins (cluster_platform/api/throttling.py)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [SignInAddressThrottle, PasswordGuessThrottle]

    @staticmethod
    def guessed_account(request):
        return request.data.get("email") if isinstance(request.data, Mapping) else None

    @extend_schema(request=LoginInputSerializer, responses={200: TokenSerializer}, tags=["accounts"])
    def post(self, request):
        data = _validated(LoginInputSerializer, request)
        user = authenticate(request, email=data["email"].strip().lower(), password=data["password"])
        if user is None:
            # The same answer for an unknown email, a wrong password and a disabled account.
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to log in with the email and password provided.")]},
                code="invalid_credentials",
            )
        instance, token = services.auth_token_create(user=user)
        return Response(TokenSerializer({"token": token, "expiry": instance.expiry, "user": user}).data)


class LogoutView(APIView):
    """Revoke the token this request is made with."""

    authentication_classes = [PlatformTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, tags=["accounts"])
    def post(self, request):
        services.auth_token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke every token of the signed-in user (all devices)."""

    authentication_classes = [PlatformTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, tags=["accounts"])
    def post(self, request):
        services.auth_token_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The signed-in user, their enterprises (with their role in each) and their standing in each
    cluster (staff role, and their enterprises' memberships with status)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeSerializer}, tags=["accounts"])
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=ProfileUpdateInputSerializer, responses={200: MeSerializer}, tags=["accounts"])
    def patch(self, request):
        data = _validated(ProfileUpdateInputSerializer, request)
        user = services.user_profile_update(user=request.user, **data)
        return Response(MeSerializer(user).data)


class PasswordChangeView(APIView):
    """Change the password; every other session (token) of the user is signed out. A wrong
    `current_password` counts as a wrong password for the account, like a failed login."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [PasswordGuessThrottle]

    @staticmethod
    def guessed_account(request):
        return request.user.email

    @extend_schema(request=PasswordChangeInputSerializer, responses={204: None}, tags=["accounts"])
    def post(self, request):
        data = _validated(PasswordChangeInputSerializer, request)
        keep = request.auth if isinstance(request.auth, AuthToken) else None
        services.user_password_change(user=request.user, keep_token=keep, **data)
        if request.auth is None:  # session sign-in (browsable API): keep this session valid
            update_session_auth_hash(request._request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
