"""The superuser's /admin/ for the policy library: it reads (cluster_platform/service_admin.py);
policies are written by policies/services.py (the API, the imports), which also notifies and
records the changes. Publishing and withdrawing are actions through those services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cluster_platform.service_admin import ServiceBackedAdmin
from policies.models import Policy, PolicyImportJob
from policies.services import policy_expire, policy_publish


@admin.register(Policy)
class PolicyAdmin(ServiceBackedAdmin):
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
    exclude = ["search_vector"]
    actions = ["publish", "expire"]

    @admin.action(description=_("Publish the selected draft policies"), permissions=["decide"])
    def publish(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda policy: policy_publish(policy=policy, by=request.user),
            str(_("published")),
        )

    @admin.action(description=_("Withdraw the selected published policies"), permissions=["decide"])
    def expire(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda policy: policy_expire(policy=policy, by=request.user),
            str(_("withdrawn")),
        )

    def has_decide_permission(self, request):
        return request.user.is_superuser


@admin.register(PolicyImportJob)
class PolicyImportJobAdmin(ServiceBackedAdmin):
    list_display = ["filename", "cluster", "status", "rows_total", "rows_done", "rows_failed", "created_at"]
    list_filter = ["status"]
    exclude = ["content"]
