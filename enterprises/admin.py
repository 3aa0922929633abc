"""The superuser's /admin/ for the enterprise registry: it reads (cluster_platform/service_admin.py);
registrations, profiles, memberships and assessments change through the services, by the API and
the agency console. Revoking a verification is the platform's own decision, as an action."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cluster_platform.service_admin import ServiceBackedAdmin, ServiceBackedInline
from enterprises.models import Enterprise, EnterpriseUser, Membership
from enterprises.services.enterprises import enterprise_unverify_by_platform


class EnterpriseUserInline(ServiceBackedInline):
    model = EnterpriseUser
    fields = ["user", "role"]


class MembershipInline(ServiceBackedInline):
    model = Membership
    fk_name = "enterprise"
    fields = ["cluster", "role", "status", "partner_tier", "decided_at"]


@admin.register(Enterprise)
class EnterpriseAdmin(ServiceBackedAdmin):
    list_display = ["name", "uscc", "region_code", "industry_code", "size_class", "verified_at"]
    list_filter = ["size_class"]
    search_fields = ["name", "uscc"]
    inlines = [EnterpriseUserInline, MembershipInline]
    actions = ["revoke_verification"]

    @admin.action(
        description=_("Revoke the verification (recorded in the verifying cluster's audit log)"),
        permissions=["revoke_verification"],
    )
    def revoke_verification(self, request, queryset):
        self.run_service(
            request,
            queryset.filter(verified_at__isnull=False).order_by("pk"),
            lambda enterprise: enterprise_unverify_by_platform(enterprise=enterprise, by=request.user),
            str(_("verification revoked")),
        )

    def has_revoke_verification_permission(self, request):
        return request.user.is_superuser


@admin.register(EnterpriseUser)
class EnterpriseUserAdmin(ServiceBackedAdmin):
    list_display = ["enterprise", "user", "role"]
    list_filter = ["role"]
    search_fields = ["enterprise__name", "user__email"]


@admin.register(Membership)
class MembershipAdmin(ServiceBackedAdmin):
    list_display = ["enterprise", "cluster", "role", "status", "partner_tier", "decided_at"]
    list_filter = ["status", "role", "partner_tier", "cluster"]
    search_fields = ["enterprise__name", "enterprise__uscc"]
