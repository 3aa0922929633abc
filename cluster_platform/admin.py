from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from cluster_platform.models import AuditLog, Cluster, ClusterStaff, Notification, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "phone", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "name", "phone"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("name", "phone")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),)


class ClusterStaffInline(admin.TabularInline):
    model = ClusterStaff
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "region_code", "agency_name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["slug", "name", "name_en", "agency_name"]
    inlines = [ClusterStaffInline]


@admin.register(ClusterStaff)
class ClusterStaffAdmin(admin.ModelAdmin):
    list_display = ["cluster", "user", "role"]
    list_filter = ["role", "cluster"]
    autocomplete_fields = ["user"]


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "cluster", "actor", "action", "target_repr"]
    list_filter = ["action", "cluster"]
    search_fields = ["target_repr", "target_id"]
    readonly_fields = [f.name for f in AuditLog._meta.fields]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__email"]
