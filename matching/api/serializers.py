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
from services.api.serializers.net_cost import NetCostSerializer


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
    net_cost = serializers.SerializerMethodField(
        help_text="What the SME pays after its vouchers and covering policies (for the SME's own reading; "
        "null for the agency)."
    )

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
            "net_cost",
            "run",
            "created_at",
        ]

    @extend_schema_field(NetCostSerializer(allow_null=True))
    def get_net_cost(self, obj):
        found = self.context.get("net_costs", {}).get((obj.sme_id, obj.offering_id))
        return NetCostSerializer(found).data if found is not None else None

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
        # `learned`: the last pass of learning from feedback (weights, coefficients, answers,
        # held-out AUC of the learned and of these weights, used or why not).
        fields = [*FEATURES, "top_n", "slots_per_capacity", "updated_at", "learned", "learned_at"]
        read_only_fields = ["updated_at", "learned", "learned_at"]


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
