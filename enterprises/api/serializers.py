from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cluster_platform.api.fields import BoundedListField
from cluster_platform.reference import get_industry, get_region, validate_industry_code, validate_region_code
from enterprises.models import (
    Enterprise,
    EnterpriseInvitation,
    EnterpriseRole,
    EnterpriseUser,
    Membership,
    MembershipRole,
    PartnerTier,
    Qualification,
)
from enterprises.services.enterprises import uscc_normalise

PUBLIC_PROFILE_FIELDS = [
    "id",
    "uscc",
    "name",
    "region_code",
    "region_name",
    "industry_code",
    "industry_name",
    "employees",
    "size_class",
    "founded_on",
    "qualifications",
    "digital_maturity_level",
    "description",
    "website",
    "verified",
    "verified_at",
]
CONTACT_FIELDS = ["contact_name", "contact_phone", "contact_email"]
FINANCIAL_FIELDS = ["operating_revenue", "rd_spend", "total_assets"]


class EnterpriseSerializer(serializers.ModelSerializer):
    """The full profile: what the enterprise's own users and agency staff see."""

    region_name = serializers.SerializerMethodField()
    industry_name = serializers.SerializerMethodField()
    verified = serializers.SerializerMethodField()

    class Meta:
        model = Enterprise
        fields = [*PUBLIC_PROFILE_FIELDS, *FINANCIAL_FIELDS, *CONTACT_FIELDS, "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_region_name(self, obj) -> str | None:
        region = get_region(obj.region_code)
        return region.name if region else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_industry_name(self, obj) -> str | None:
        industry = get_industry(obj.industry_code)
        return industry.name if industry else None

    def get_verified(self, obj) -> bool:
        return obj.verified_at is not None


class EnterpriseInputSerializer(serializers.Serializer):
    """Profile input. The service validates again (it is the authority for every caller); checking
    here as well reports every bad field of a request at once."""

    uscc = serializers.CharField(max_length=40, required=False)
    name = serializers.CharField(max_length=200, required=False)
    region_code = serializers.CharField(max_length=6, required=False, validators=[validate_region_code])
    industry_code = serializers.CharField(max_length=5, required=False, validators=[validate_industry_code])
    employees = serializers.IntegerField(min_value=0, allow_null=True, required=False)
    operating_revenue = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    rd_spend = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    total_assets = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    founded_on = serializers.DateField(allow_null=True, required=False)
    qualifications = BoundedListField(
        child=serializers.ChoiceField(choices=Qualification.choices), required=False, max_length=20
    )
    description = serializers.CharField(allow_blank=True, required=False)
    contact_name = serializers.CharField(max_length=100, allow_blank=True, required=False)
    contact_phone = serializers.CharField(max_length=32, allow_blank=True, required=False)
    contact_email = serializers.EmailField(allow_blank=True, required=False)
    website = serializers.URLField(allow_blank=True, required=False)

    def validate_uscc(self, value):
        return uscc_normalise(value)

    def validate_qualifications(self, value):
        return sorted(set(value))

    def validate(self, attrs):
        creating = self.instance is None
        if creating:
            missing = [
                field for field in ("uscc", "name", "region_code", "industry_code") if not attrs.get(field)
            ]
            if missing:
                raise serializers.ValidationError(
                    {field: [_("This field is required.")] for field in missing}
                )
        elif "uscc" in attrs:
            raise serializers.ValidationError(
                {"uscc": [_("The unified social credit code cannot be changed after registration.")]}
            )
        return attrs


class EnterpriseUserSerializer(serializers.ModelSerializer):
    user_id = serializers.UUIDField(source="user.id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.name", read_only=True)

    class Meta:
        model = EnterpriseUser
        fields = ["id", "user_id", "email", "name", "role", "created_at"]
        read_only_fields = fields


class EnterpriseUserInviteSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=EnterpriseRole.choices, default=EnterpriseRole.MEMBER)


class EnterpriseInvitationSerializer(serializers.ModelSerializer):
    """An invitation as its enterprise's owners see it: the address, never the account behind it."""

    class Meta:
        model = EnterpriseInvitation
        fields = ["id", "email", "role", "status", "created_at", "decided_at"]
        read_only_fields = fields


class InvitingEnterpriseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enterprise
        fields = ["id", "name"]
        read_only_fields = fields


class ReceivedInvitationSerializer(serializers.ModelSerializer):
    """An invitation as its invitee sees it."""

    enterprise = InvitingEnterpriseSerializer(read_only=True)

    class Meta:
        model = EnterpriseInvitation
        fields = ["id", "enterprise", "role", "status", "created_at"]
        read_only_fields = fields


class EnterpriseBriefSerializer(serializers.ModelSerializer):
    verified = serializers.SerializerMethodField()

    class Meta:
        model = Enterprise
        fields = ["id", "uscc", "name", "region_code", "industry_code", "size_class", "verified"]
        read_only_fields = fields

    def get_verified(self, obj) -> bool:
        return obj.verified_at is not None


class MembershipSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseBriefSerializer(read_only=True)
    applied_by = serializers.UUIDField(source="applied_by_id", read_only=True, allow_null=True)
    decided_by = serializers.UUIDField(source="decided_by_id", read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "enterprise",
            "role",
            "status",
            "partner_tier",
            "application_note",
            "decision_reason",
            "applied_by",
            "decided_by",
            "decided_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MembershipApplySerializer(serializers.Serializer):
    enterprise = serializers.UUIDField()
    role = serializers.ChoiceField(choices=MembershipRole.choices)
    application_note = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)


class DecisionReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)


class PartnerTierSerializer(serializers.Serializer):
    partner_tier = serializers.ChoiceField(choices=PartnerTier.choices)


class DirectoryRoleSerializer(serializers.Serializer):
    role = serializers.CharField()
    partner_tier = serializers.CharField()


class DirectoryEntrySerializer(EnterpriseSerializer):
    """A member in the cluster's directory. Staff get the full profile; members the public part."""

    roles = serializers.SerializerMethodField()

    class Meta(EnterpriseSerializer.Meta):
        fields = [*EnterpriseSerializer.Meta.fields, "roles"]
        read_only_fields = fields

    @extend_schema_field(DirectoryRoleSerializer(many=True))
    def get_roles(self, obj):
        return [
            {"role": membership.role, "partner_tier": membership.partner_tier}
            for membership in getattr(obj, "cluster_memberships", [])
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        roles = self.context.get("roles")
        if roles is None or not roles.is_staff:
            for field in (*CONTACT_FIELDS, *FINANCIAL_FIELDS):
                data.pop(field, None)
        return data
