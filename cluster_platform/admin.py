"""The superuser's /admin/ for the tenancy core. Every model here is written by services (the
cluster operations, the staff roster, the audit log, notifications, accounts and tokens), so the
admins read (cluster_platform/service_admin.py); the changes are the API's and the console's.
A user's platform flags (active, staff, superuser, groups) are the exception: no service owns
them, and this is where an operator sets them."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from cluster_platform.models import AuditLog, Cluster, ClusterStaff, Notification, User
from cluster_platform.service_admin import ServiceBackedAdmin, ServiceBackedInline
from cluster_platform.services import auth_token_revoke

# No service owns these fields of a user: platform operators set them here.
USER_PLATFORM_FLAGS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")


class UserFlagsForm(forms.ModelForm):
    """The change form writes the platform flags only (Django's carries the password too)."""

    class Meta:
        model = User
        fields = USER_PLATFORM_FLAGS


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """People sign up and keep their profile and password through the accounts API (its
    services validate the phone number and the password); here an operator reads them and sets
    the platform flags: deactivating, or granting the operator role."""

    ordering = ["email"]
    list_display = ["email", "name", "phone", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "name", "phone"]
    fieldsets = (
        (None, {"fields": ("email",)}),
        (_("Profile"), {"fields": ("name", "phone")}),
        (_("Permissions"), {"fields": USER_PLATFORM_FLAGS}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["email", "name", "phone", "last_login", "date_joined"]
    form = UserFlagsForm

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def user_change_password(self, request, id, form_url=""):
        # Passwords change through their owners (user_password_change checks the current one).
        raise PermissionDenied


class ClusterStaffInline(ServiceBackedInline):
    model = ClusterStaff
    fields = ["user", "role", "created_at"]


@admin.register(Cluster)
class ClusterAdmin(ServiceBackedAdmin):
    list_display = ["slug", "name", "region_code", "agency_name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["slug", "name", "name_en", "agency_name"]
    inlines = [ClusterStaffInline]


@admin.register(ClusterStaff)
class ClusterStaffAdmin(ServiceBackedAdmin):
    list_display = ["cluster", "user", "role"]
    list_filter = ["role", "cluster"]
    search_fields = ["user__email", "cluster__slug"]


@admin.register(AuditLog)
class AuditLogAdmin(ServiceBackedAdmin):
    list_display = ["created_at", "cluster", "actor", "action", "target_repr"]
    list_filter = ["action", "cluster"]
    search_fields = ["target_repr", "target_id"]


@admin.register(Notification)
class NotificationAdmin(ServiceBackedAdmin):
    list_display = ["created_at", "user", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__email"]


# knox registers an admin that creates tokens and deletes them around the services; this one
# lists them and revokes through auth_token_revoke.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(ServiceBackedAdmin):
    list_display = ["token_key", "user", "created", "expiry"]
    search_fields = ["token_key", "user__email"]
    fields = ["token_key", "user", "created", "expiry"]
    actions = ["revoke"]

    @admin.action(
        description=_("Revoke the selected tokens (signs those sessions out)"), permissions=["revoke"]
    )
    def revoke(self, request, queryset):
        self.run_service(request, queryset, lambda token: auth_token_revoke(token=token), str(_("revoked")))

    def has_revoke_permission(self, request):
        return request.user.is_superuser
