from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from matching.explanations import contributions_expand, explanation_line
from matching.models import (
    FEATURES,
    DismissReason,
    FeedbackKind,
    MatchingWeights,
    MatchRun,
    Recommendation,
    RecommendationFeedback,
)


class ContributionSerializer(serializers.Serializer):
    feature = serializers.ChoiceField(choices=FEATURES)
    value = serializers.FloatField()
    weight = serializers.FloatField()
    contribution = serializers.FloatField()
    code = serializers.CharField()
    params = serializers.DictField()
    reason = serializers.CharField()


class RecommendedOfferingSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    summary = serializers.CharField()
    category = serializers.CharField(source="category_id")
    category_name = serializers.CharField(source="category.name")
    delivery_mode = serializers.CharField()
    price_min = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    price_max = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    rating_bayes = serializers.FloatField()
    rating_count = serializers.IntegerField()


class RecommendationSerializer(serializers.ModelSerializer):
    offering = RecommendedOfferingSerializer()
    partner_name = serializers.CharField(source="partner.name")
    sme_name = serializers.CharField(source="sme.name")
    demand_title = serializers.CharField(source="demand.title", allow_null=True, default=None)
    contributions = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField()

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "demand",
            "demand_title",
            "sme",
            "sme_name",
            "offering",
            "partner",
            "partner_name",
            "rank",
            "score",
            "explanation",
            "contributions",
            "run",
            "created_at",
        ]

    def get_explanation(self, obj) -> str:
        return explanation_line(obj.contributions)

    @extend_schema_field(ContributionSerializer(many=True))
    def get_contributions(self, obj):
        return contributions_expand(obj.contributions)


class FeedbackInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FeedbackKind.choices)
    reason = serializers.ChoiceField(choices=DismissReason.choices, required=False, default="")
    comment = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)


class FeedbackSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecommendationFeedback
        fields = [
            "id",
            "sme",
            "offering",
            "demand",
            "kind",
            "reason",
            "comment",
            "score",
            "engagement",
            "created_at",
        ]
        read_only_fields = fields


class MatchRunSerializer(serializers.ModelSerializer):
    progress = serializers.FloatField(read_only=True)
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = MatchRun
        fields = [
            "id",
            "trigger",
            "status",
            "scope",
            "progress",
            "subjects_total",
            "offerings_total",
            "pairs_scored",
            "chunks_total",
            "chunks_done",
            "recommendations_count",
            "started_at",
            "finished_at",
            "duration_seconds",
            "error",
            "weights",
            "created_at",
        ]
        read_only_fields = fields


class MatchingWeightsSerializer(serializers.ModelSerializer):
    class Meta:
        model = MatchingWeights
        fields = [*FEATURES, "top_n", "slots_per_capacity", "updated_at"]
        read_only_fields = ["updated_at"]


class FunnelRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    recommended = serializers.IntegerField()
    requested = serializers.IntegerField()
    completed = serializers.IntegerField()


class FunnelTotalSerializer(serializers.Serializer):
    recommended = serializers.IntegerField()
    requested = serializers.IntegerField()
    completed = serializers.IntegerField()


class FunnelSerializer(serializers.Serializer):
    total = FunnelTotalSerializer()
    by_category = FunnelRowSerializer(many=True)
    by_partner = FunnelRowSerializer(many=True)
