from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from services import engagement_flow
from services.api.serializers.refs import EnterpriseRefSerializer, OfferingRefSerializer
from services.models import (
    Engagement,
    EngagementEvent,
    PartnerRating,
    Review,
)
from services.services.engagements import engagement_parties_of
from services.services.inputs import MAX_REASON_LENGTH
from services.services.reviews import MAX_COMMENT_LENGTH

# --- Engagements ----------------------------------------------------------------------------------


class EngagementSerializer(serializers.ModelSerializer):
    offering = OfferingRefSerializer(read_only=True)
    sme = EnterpriseRefSerializer(read_only=True)
    partner = EnterpriseRefSerializer(read_only=True)
    allowed_actions = serializers.SerializerMethodField(
        help_text="The actions the caller may take from the current state."
    )

    class Meta:
        model = Engagement
        fields = [
            "id",
            "offering",
            "sme",
            "partner",
            "demand",
            "message",
            "status",
            "allowed_actions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, engagement) -> list[str]:
        roles = self.context.get("roles")
        if roles is None:
            return []
        parties = engagement_parties_of(engagement=engagement, roles=roles)
        allowed = {a for p in parties for a in engagement_flow.allowed_actions(engagement.status, p)}
        if engagement.partner_id in self.context.get("partners_out_of_good_standing", ()):
            allowed -= engagement_flow.NEW_WORK_ACTIONS
        return sorted(allowed)


class EngagementCreateSerializer(serializers.Serializer):
    offering = serializers.UUIDField()
    demand = serializers.UUIDField(required=False, allow_null=True)
    sme = serializers.UUIDField(
        required=False, help_text="The requesting enterprise, if you act for several SMEs in this cluster."
    )
    message = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_REASON_LENGTH, default=""
    )


class EngagementActionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REASON_LENGTH, default="")


class EngagementResolveSerializer(EngagementActionSerializer):
    outcome = serializers.ChoiceField(choices=[engagement_flow.COMPLETED, engagement_flow.CANCELLED])


class EngagementEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = EngagementEvent
        fields = [
            "id",
            "action",
            "from_status",
            "to_status",
            "actor_party",
            "actor_name",
            "reason",
            "created_at",
        ]
        read_only_fields = fields

    def get_actor_name(self, event) -> str:
        return event.actor.name if event.actor is not None else ""


# --- Reviews --------------------------------------------------------------------------------------


class ReviewCreateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_COMMENT_LENGTH, default=""
    )


class ReviewSerializer(serializers.ModelSerializer):
    """A review as the public sees it: the reviewing enterprise's name, no person or contact details."""

    offering = OfferingRefSerializer(read_only=True)
    partner = EnterpriseRefSerializer(read_only=True)
    reviewer = serializers.CharField(source="sme.name", read_only=True)

    class Meta:
        model = Review
        fields = ["id", "offering", "partner", "reviewer", "rating", "comment", "created_at"]
        read_only_fields = fields


class PartnerRatingSerializer(serializers.ModelSerializer):
    partner = EnterpriseRefSerializer(read_only=True)

    class Meta:
        model = PartnerRating
        fields = ["id", "partner", "count", "mean", "bayes", "updated_at"]
        read_only_fields = fields
