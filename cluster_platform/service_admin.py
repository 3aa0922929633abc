"""ModelAdmins for the models the services write: they read, and change only through services.

A service is where a change gets its validation, state machine, row locks, audit entry,
notifications and signals. A ModelAdmin's forms would save around all of that, so an admin of
such a model grants no add, change or delete (Django then shows its change page read-only and
drops bulk delete), and a change it offers is an action that calls the service. The superuser's
/admin/ and the agency console's /console/ both build on this; tests/console/test_admin.py holds
every ModelAdmin registered on either site to it.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cluster_platform.exceptions import Conflict


class ServiceBackedAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def run_service(self, request, queryset, call, done_message: str) -> None:
        """Call a service for each selected row; report successes and each refusal."""
        done = 0
        for obj in queryset:
            try:
                call(obj)
            except (ValidationError, Conflict) as error:
                detail = getattr(error, "detail", None) or "; ".join(getattr(error, "messages", [str(error)]))
                self.message_user(request, f"{obj}: {detail}", level=messages.ERROR)
            else:
                done += 1
                self.log_change(request, obj, done_message)
        if done:
            self.message_user(request, _("%(count)d done: %(what)s") % {"count": done, "what": done_message})


class ServiceBackedInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
