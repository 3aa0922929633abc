"""The base of every console ModelAdmin: rows of the chosen cluster only, and no form writes.

Every change in the console goes through the same service functions as the API (audit log,
notifications, search-vector refresh, booking checks), as admin actions or forms that call
them (cluster_platform/service_admin.py). So the admins grant neither add, change (their pages
are read-only) nor delete; the actions state which role may run them (`decide`: moderation;
`administer`: the cluster's staff). tests/console/test_admin.py holds every registered
ModelAdmin to this.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy

from cluster_platform.exceptions import Conflict
from cluster_platform.service_admin import ServiceBackedAdmin
from console.admin.context import console_context


class ClusterScopedAdmin(ServiceBackedAdmin):
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

    def has_decide_permission(self, request):
        return console_context(request).may_decide

    def has_administer_permission(self, request):
        """The cluster's staff and settings: its admins and the platform's operators."""
        return console_context(request).may_administer

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields] + list(self.readonly_fields)


def service_errors_to_form(form, error: ValidationError | Conflict) -> None:
    """Show a service's refusal on the form that asked for it: field errors on their fields,
    the rest above the form."""
    if isinstance(error, ValidationError):
        errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    else:
        errors = error.detail if isinstance(error.detail, dict) else {None: [error.detail]}
    for name, messages_ in errors.items():
        field = name if name in form.fields else None
        form.add_error(field, [str(message) for message in messages_])


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
