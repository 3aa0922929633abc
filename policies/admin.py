from django.contrib import admin

from policies.models import Policy, PolicyImportJob


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "document_number",
        "issuer",
        "level",
        "region_code",
        "status",
        "published_on",
        "cluster",
    ]
    list_filter = ["status", "level"]
    search_fields = ["title", "document_number", "issuer"]
    raw_id_fields = ["cluster"]
    readonly_fields = ["content_hash"]
    exclude = ["search_vector"]


@admin.register(PolicyImportJob)
class PolicyImportJobAdmin(admin.ModelAdmin):
    list_display = ["filename", "cluster", "status", "rows_total", "rows_done", "rows_failed", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["cluster", "created_by"]
    exclude = ["content"]
