from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from policies.api.serializers.eligibility import ConditionResultSerializer
from programmes.models import LedgerEntry, VoucherProgramme


class ProgrammeSerializer(serializers.ModelSerializer):
    policy = serializers.UUIDField(source="policy_id", read_only=True, allow_null=True)

    class Meta:
        model = VoucherProgramme
        fields = [
            "id",
            "name",
            "description",
            "policy",
            "budget",
            "per_sme_cap",
            "coverage_share",
            "eligible_categories",
            "eligibility_rule",
            "applications_open",
            "applications_close",
            "voucher_validity_days",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProgrammeInputSerializer(serializers.Serializer):
    """Types only; the rules that span fields (cap within budget, a valid rule) are the service's."""

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    policy = serializers.UUIDField(required=False, allow_null=True, default=None)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    per_sme_cap = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    coverage_share = serializers.DecimalField(max_digits=4, decimal_places=3, min_value=0, max_value=1)
    eligible_categories = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list, max_length=200
    )
    eligibility_rule = serializers.JSONField(required=False, default=dict)
    applications_open = serializers.DateField()
    applications_close = serializers.DateField()
    voucher_validity_days = serializers.IntegerField(min_value=1, max_value=3650)

    def validate_eligibility_rule(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("A rule is a JSON object ({} for no condition).")
        return value


class EligibilitySerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    approved_sme_member = serializers.BooleanField()
    status = serializers.ChoiceField(choices=["eligible", "near_miss", "not_eligible", "needs_facts"])
    conditions = ConditionResultSerializer(many=True)
    near_miss = ConditionResultSerializer(many=True)
    missing_facts = serializers.ListField(child=serializers.CharField())


class EligibilityQuerySerializer(serializers.Serializer):
    sme = serializers.UUIDField(required=False, help_text="The SME to check, if you act for several.")


class ReconciliationSerializer(serializers.Serializer):
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    funded = serializers.DecimalField(max_digits=14, decimal_places=2)
    available = serializers.DecimalField(max_digits=14, decimal_places=2)
    reserved = serializers.DecimalField(max_digits=14, decimal_places=2)
    committed = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    released = serializers.DecimalField(max_digits=14, decimal_places=2)
    difference = serializers.DecimalField(max_digits=14, decimal_places=2)
    budget_difference = serializers.DecimalField(max_digits=14, decimal_places=2)
    running_balance_difference = serializers.DecimalField(max_digits=14, decimal_places=2)
    vouchers_reserved = serializers.DecimalField(max_digits=14, decimal_places=2)
    vouchers_committed = serializers.DecimalField(max_digits=14, decimal_places=2)
    vouchers_paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    entries = serializers.IntegerField()
    balanced = serializers.BooleanField()


class LedgerEntrySerializer(serializers.ModelSerializer):
    voucher = serializers.UUIDField(source="voucher_id", read_only=True, allow_null=True)
    actor = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "seq",
            "kind",
            "from_bucket",
            "to_bucket",
            "amount",
            "available_after",
            "voucher",
            "memo",
            "actor",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, entry) -> str | None:
        return entry.actor.email if entry.actor_id else None


class NetCostQuerySerializer(serializers.Serializer):
    offering = serializers.UUIDField()
    sme = serializers.UUIDField(required=False, help_text="The SME, if you act for several.")
