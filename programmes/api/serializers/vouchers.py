from rest_framework import serializers

from programmes.models import Voucher, VoucherClaim
from programmes.services.vouchers import MAX_REASON_LENGTH, VOUCHER_TRANSITIONS


class VoucherPartySerializer(serializers.Serializer):
    """An enterprise named on a voucher or claim (the SME, the partner)."""

    id = serializers.UUIDField()
    name = serializers.CharField()


class VoucherSerializer(serializers.ModelSerializer):
    programme = serializers.UUIDField(source="programme_id", read_only=True)
    programme_name = serializers.CharField(source="programme.name", read_only=True)
    sme = VoucherPartySerializer(read_only=True)
    engagement = serializers.UUIDField(source="engagement_id", read_only=True, allow_null=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Voucher
        fields = [
            "id",
            "programme",
            "programme_name",
            "sme",
            "amount",
            "status",
            "allowed_actions",
            "eligibility",
            "application_note",
            "decision_reason",
            "decided_at",
            "valid_until",
            "engagement",
            "contract_price",
            "subsidy",
            "redeemed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_allowed_actions(self, voucher) -> list[str]:
        return list(VOUCHER_TRANSITIONS.get(voucher.status, []))


class VoucherApplySerializer(serializers.Serializer):
    sme = serializers.UUIDField(required=False, help_text="The applying SME, if you act for several.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REASON_LENGTH, default="")


class VoucherIssueSerializer(serializers.Serializer):
    sme = serializers.UUIDField(help_text="An approved SME member of this cluster.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REASON_LENGTH, default="")


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REASON_LENGTH, default="")


class VoucherRedeemSerializer(serializers.Serializer):
    engagement = serializers.UUIDField(help_text="One of the SME's engagements, before delivery.")
    contract_price = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)


class VoucherClaimSerializer(serializers.ModelSerializer):
    voucher = serializers.UUIDField(source="voucher_id", read_only=True)
    partner = VoucherPartySerializer(read_only=True)
    sme = VoucherPartySerializer(source="voucher.sme", read_only=True)
    programme_name = serializers.CharField(source="voucher.programme.name", read_only=True)

    class Meta:
        model = VoucherClaim
        fields = [
            "id",
            "voucher",
            "programme_name",
            "partner",
            "sme",
            "amount",
            "proof_name",
            "proof_content_type",
            "proof_size",
            "note",
            "status",
            "decision_reason",
            "decided_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class VoucherClaimCreateSerializer(serializers.Serializer):
    voucher = serializers.UUIDField()
    proof = serializers.FileField(help_text="PDF, PNG or JPEG, at most 10 MB.", allow_empty_file=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REASON_LENGTH, default="")
    partner = serializers.UUIDField(required=False, help_text="The claiming partner, if you act for several.")
