"""The agency's staff in the console: its admins add people, change their roles and remove them,
through the same service functions as the staff API (cluster_platform/staff.py), so the audit
log, the last-admin protection and the validation are the API's. Operators and viewers read.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_platform import staff as staff_services
from cluster_platform.exceptions import Conflict
from cluster_platform.models import ClusterStaff, StaffRole
from console.admin.context import console_context
from console.admin.scoping import ClusterScopedAdmin, service_errors_to_form
from console.admin.site import console_site


class StaffAddForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address of a registered person"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=StaffRole.choices)


def _role_action(role: str, description):
    def action(modeladmin, request, queryset):
        modeladmin.run_service(
            request,
            queryset,
            lambda staff: staff_services.staff_change_role(staff=staff, role=role, by=request.user),
            _("role changed to %(role)s") % {"role": StaffRole(role).label},
        )

    action.__name__ = f"make_{role}"
    action.short_description = description
    action.allowed_permissions = ("administer",)
    return action


@admin.register(ClusterStaff, site=console_site)
class ClusterStaffAdmin(ClusterScopedAdmin):
    list_display = ["user", "user_name", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__name"]
    list_select_related = ["user", "cluster"]
    ordering = ["user__email", "id"]
    change_list_template = "console/staff_change_list.html"
    actions = ["make_admin", "make_operator", "make_viewer", "remove_from_staff"]

    make_admin = _role_action(StaffRole.ADMIN, gettext_lazy("Make the selected people admins"))
    make_operator = _role_action(StaffRole.OPERATOR, gettext_lazy("Make the selected people operators"))
    make_viewer = _role_action(StaffRole.VIEWER, gettext_lazy("Make the selected people viewers"))

    @admin.display(description=gettext_lazy("name"), ordering="user__name")
    def user_name(self, obj):
        return obj.user.name

    @admin.action(
        description=gettext_lazy("Remove the selected people from the staff"), permissions=["administer"]
    )
    def remove_from_staff(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda staff: staff_services.staff_remove(staff=staff, by=request.user),
            _("removed from the staff"),
        )

    def get_urls(self):
        return [
            path(
                "add-staff/",
                self.admin_site.admin_view(self.add_staff_view),
                name="cluster_platform_clusterstaff_add_staff",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_add_staff": self._may_add_staff(request)}
        return super().changelist_view(request, extra_context=extra_context)

    def _may_add_staff(self, request) -> bool:
        context = console_context(request)
        return context.may_administer and context.cluster is not None

    def add_staff_view(self, request):
        """A registered person joins the chosen cluster's staff (staff_add: the API's POST /staff/)."""
        if not self._may_add_staff(request):
            raise PermissionDenied
        cluster = console_context(request).cluster
        form = StaffAddForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                staff = staff_services.staff_add(cluster=cluster, by=request.user, **form.cleaned_data)
            except (ValidationError, Conflict) as error:
                service_errors_to_form(form, error)
            else:
                self.log_addition(request, staff, [{"added": {}}])
                self.message_user(
                    request,
                    _("%(user)s joined the staff of %(cluster)s.") % {"user": staff.user, "cluster": cluster},
                )
                return HttpResponseRedirect(reverse("console:cluster_platform_clusterstaff_changelist"))
        return TemplateResponse(
            request,
            "console/staff_add.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Add a staff member to %(cluster)s") % {"cluster": cluster.name},
                "form": form,
                "opts": self.model._meta,
            },
        )
