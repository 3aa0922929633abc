"""The base of every console ModelAdmin: rows of the chosen cluster only, and no form writes.

Every change in the console goes through the same service functions as the API (audit log,
notifications, search-vector refresh, booking checks), as admin actions. So the admins grant
neither add, change (their pages are read-only) nor delete; the actions state which role may
run them. tests/console/test_admin.py holds every registered ModelAdmin to this.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_platform.exceptions import Conflict
from console.admin.context import console_context


class ClusterScopedAdmin(admin.ModelAdmin):
    # Path from the model to its cluster.
    cluster_field = "cluster"
    list_per_page = 50

    def get_queryset(self, request):
        context = console_context(request)
        queryset = super().get_queryset(request)
        if context.cluster is not None:
            return queryset.filter(**{self.cluster_field: context.cluster})
        if context.is_operator:  # "all clusters"
            return queryset
        return queryset.none()

    def has_module_permission(self, request):
        return console_context(request).may_enter

    def has_view_permission(self, request, obj=None):
        return console_context(request).may_enter

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request):
        return console_context(request).may_decide

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields] + list(self.readonly_fields)

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


def reasoned_action(*, description, service_call, done_message):
    """An admin action that asks for a reason first (rejections, suspensions): the services
    refuse a decision without one, and the enterprise is told it."""

    def action(modeladmin, request, queryset):
        reason = (request.POST.get("reason") or "").strip()
        if "apply" in request.POST and reason:
            modeladmin.run_service(
                request, queryset, lambda obj: service_call(request, obj, reason), str(done_message)
            )
            return None
        return TemplateResponse(
            request,
            "console/action_reason.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": description,
                "objects": queryset,
                "action": request.POST.get("action"),
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                "missing_reason": "apply" in request.POST and not reason,
                "opts": modeladmin.model._meta,
            },
        )

    action.short_description = description
    action.allowed_permissions = ("decide",)
    return action


REASON_REQUIRED = gettext_lazy("Give a reason: the enterprise is told it.")
