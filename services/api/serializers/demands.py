from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cluster_platform.api.fields import BoundedListField
from services.api.serializers.catalog import CategoryBriefSerializer
from services.models import (
    Demand,
)


class DemandInputSerializer(serializers.Serializer):
    sme = serializers.UUIDField(
        required=False, write_only=True, help_text=_("The SME posting; needed only when you act for several.")
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    categories = BoundedListField(
        child=serializers.CharField(max_length=64), required=False, default=list, max_length=10
    )
    budget_min = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, default=None, min_value=0
    )
    budget_max = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, default=None, min_value=0
    )
    desired_start = serializers.DateField(required=False, allow_null=True, default=None)
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    visible_to_partners = serializers.BooleanField(required=False, default=False)

    def validate_sme(self, value):
        # A demand stays with the SME that posted it; an edit saying otherwise is refused.
        if self.partial:
            raise serializers.ValidationError(_("The SME cannot be changed."), code="read_only")
        return value


class DemandSMESerializer(serializers.Serializer):
    """The posting SME as a partner sees it: who and where, never how to contact them."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    region_code = serializers.CharField()
    industry_code = serializers.CharField()
    size_class = serializers.CharField()


class DemandContactSerializer(serializers.Serializer):
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()
    contact_email = serializers.CharField()


class DemandSerializer(serializers.ModelSerializer):
    """A demand; the SME's contact details only for the SME itself and the agency."""

    sme = DemandSMESerializer()
    sme_contact = serializers.SerializerMethodField()
    categories = CategoryBriefSerializer(many=True)

    class Meta:
        model = Demand
        fields = [
            "id",
            "title",
            "description",
            "categories",
            "budget_min",
            "budget_max",
            "desired_start",
            "deadline",
            "status",
            "visible_to_partners",
            "sme",
            "sme_contact",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(DemandContactSerializer(allow_null=True))
    def get_sme_contact(self, demand):
        roles = self.context.get("roles")
        if roles is None or not (roles.is_staff or demand.sme_id in roles.sme_enterprise_ids):
            return None
        return DemandContactSerializer(demand.sme).data

    def to_representation(self, demand):
        data = super().to_representation(demand)
        if data.get("sme_contact") is None:
            data.pop("sme_contact", None)
        return data
