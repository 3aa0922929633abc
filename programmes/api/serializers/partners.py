from rest_framework import serializers

from enterprises.models import Membership
from programmes.models import PartnerTierCriteria, TierProposal
from programmes.services.vouchers import MAX_REASON_LENGTH
from services.api.serializers.partners import PartnerUpliftSerializer


class PartnerTierCriteriaSerializer(serializers.ModelSerializer):
    class Meta:
        model = PartnerTierCriteria
        fields = [
            "certified_min_completed",
            "certified_min_rating",
            "certified_min_certifications",
            "certified_min_years",
            "strategic_min_completed",
            "strategic_min_rating",
            "strategic_min_certifications",
            "strategic_min_years",
            "review_min_rating",
            "expiry_warning_days",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        extra_kwargs = {
            name: {"required": False}
            for name in fields
            if name.endswith(("_rating", "_completed", "_certifications", "_years", "_days"))
        }


class TierProposalSerializer(serializers.ModelSerializer):
    partner = serializers.UUIDField(source="partner_id", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)

    class Meta:
        model = TierProposal
        fields = [
            "id",
            "partner",
            "partner_name",
            "current_tier",
            "proposed_tier",
            "criterion",
            "metrics",
            "status",
            "decision_reason",
            "decided_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProposalDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REASON_LENGTH, default="")


class GenerateResultSerializer(serializers.Serializer):
    open_proposals = serializers.IntegerField()


class PartnerAccreditationSerializer(serializers.ModelSerializer):
    partner = serializers.UUIDField(source="enterprise_id", read_only=True)
    partner_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "partner",
            "partner_name",
            "status",
            "partner_tier",
            "accredited_since",
            "accreditation_valid_until",
        ]
        read_only_fields = fields


class AccreditationRenewSerializer(serializers.Serializer):
    valid_until = serializers.DateField()


class PartnerRecordSerializer(serializers.Serializer):
    completed_engagements = serializers.IntegerField()
    rating = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    certifications = serializers.IntegerField()
    years_accredited = serializers.IntegerField()


class PartnerReviewRowSerializer(serializers.Serializer):
    accreditation = PartnerAccreditationSerializer(source="membership")
    record = PartnerRecordSerializer()
    reasons = serializers.ListField(
        child=serializers.ChoiceField(
            choices=[
                "accreditation_expired",
                "accreditation_expiring",
                "rating_below_threshold",
                "open_disputes",
            ]
        )
    )
    open_disputes = serializers.IntegerField()
    uplift = PartnerUpliftSerializer(allow_null=True)
