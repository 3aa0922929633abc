"""The superuser's /admin/ for matching: it reads (cluster_platform/service_admin.py). Weights
change through matching_weights_update (the API and the console's cluster settings), runs and
recommendations through the match runs, feedback through the SMEs."""

from django.contrib import admin

from cluster_platform.service_admin import ServiceBackedAdmin
from enterprises.models import Assessment
from matching.models import MatchChunk, MatchingWeights, MatchRun, Recommendation, RecommendationFeedback


@admin.register(MatchingWeights)
class MatchingWeightsAdmin(ServiceBackedAdmin):
    list_display = ["cluster", "category", "industry", "region", "text", "top_n", "slots_per_capacity"]


@admin.register(MatchRun)
class MatchRunAdmin(ServiceBackedAdmin):
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


@admin.register(MatchChunk)
class MatchChunkAdmin(ServiceBackedAdmin):
    list_display = ["run", "index", "done_at"]


@admin.register(Recommendation)
class RecommendationAdmin(ServiceBackedAdmin):
    list_display = ["cluster", "sme", "demand", "offering", "rank", "score"]
    list_filter = ["cluster"]


@admin.register(RecommendationFeedback)
class RecommendationFeedbackAdmin(ServiceBackedAdmin):
    list_display = ["cluster", "sme", "offering", "kind", "reason", "created_at"]
    list_filter = ["kind", "cluster"]


# The assessment lives in the enterprise registry; registered here so that enterprises/admin.py stays its own.
@admin.register(Assessment)
class AssessmentAdmin(ServiceBackedAdmin):
    list_display = ["enterprise", "cluster", "score", "level", "questionnaire_version", "created_at"]
    list_filter = ["level", "cluster"]
