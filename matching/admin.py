from django.contrib import admin

from enterprises.models import Assessment
from matching.models import MatchChunk, MatchingWeights, MatchRun, Recommendation, RecommendationFeedback


@admin.register(MatchingWeights)
class MatchingWeightsAdmin(admin.ModelAdmin):
    list_display = ["cluster", "category", "industry", "region", "text", "top_n", "slots_per_capacity"]


@admin.register(MatchRun)
class MatchRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "cluster",
        "trigger",
        "status",
        "chunks_done",
        "chunks_total",
        "recommendations_count",
        "created_at",
    ]
    list_filter = ["status", "trigger", "cluster"]
    readonly_fields = [field.name for field in MatchRun._meta.fields]


@admin.register(MatchChunk)
class MatchChunkAdmin(admin.ModelAdmin):
    list_display = ["run", "index", "done_at"]
    raw_id_fields = ["run"]


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["cluster", "sme", "demand", "offering", "rank", "score"]
    list_filter = ["cluster"]
    raw_id_fields = ["run", "demand", "sme", "offering", "partner"]


@admin.register(RecommendationFeedback)
class RecommendationFeedbackAdmin(admin.ModelAdmin):
    list_display = ["cluster", "sme", "offering", "kind", "reason", "created_at"]
    list_filter = ["kind", "cluster"]
    raw_id_fields = ["sme", "offering", "demand", "engagement"]


# The assessment lives in the enterprise registry; registered here so that enterprises/admin.py stays its own.
@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "cluster", "score", "level", "questionnaire_version", "created_at"]
    list_filter = ["level", "cluster"]
    raw_id_fields = ["enterprise", "submitted_by"]
