from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, EnterpriseUser, Membership
from enterprises.services.enterprises import enterprise_unverify_by_platform


class EnterpriseUserInline(admin.TabularInline):
    model = EnterpriseUser
    extra = 0
    autocomplete_fields = ["user"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fk_name = "enterprise"
    fields = ["cluster", "role", "status", "partner_tier", "decided_at"]
    readonly_fields = ["decided_at"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "region_code", "industry_code", "size_class", "verified_at"]
    list_filter = ["size_class"]
    search_fields = ["name", "uscc"]
    readonly_fields = [
        "size_class",
        "verified_at",
        "verified_by",
        "verified_cluster",
        "created_at",
        "updated_at",
    ]
    inlines = [EnterpriseUserInline, MembershipInline]
    actions = ["revoke_verification"]

    @admin.action(description=_("Revoke the verification (recorded in the verifying cluster's audit log)"))
    def revoke_verification(self, request, queryset):
        for enterprise in queryset.filter(verified_at__isnull=False).order_by("pk"):
            enterprise_unverify_by_platform(enterprise=enterprise, by=request.user)


@admin.register(EnterpriseUser)
class EnterpriseUserAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "user", "role"]
    list_filter = ["role"]
    search_fields = ["enterprise__name", "user__email"]
    autocomplete_fields = ["enterprise", "user"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "cluster", "role", "status", "partner_tier", "decided_at"]
    list_filter = ["status", "role", "partner_tier", "cluster"]
    search_fields = ["enterprise__name", "enterprise__uscc"]
    autocomplete_fields = ["enterprise"]
    readonly_fields = ["decided_by", "decided_at", "applied_by", "created_at", "updated_at"]
