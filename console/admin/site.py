from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from console.admin.context import console_choose, console_context


class ConsoleAuthenticationForm(AdminAuthenticationForm):
    """Agency staff sign in without Django's is_staff flag: a role in an active cluster suffices."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _("Please enter the email address and password of an agency staff account."),
    }

    def confirm_login_allowed(self, user):
        if not user.is_active:
            raise ValidationError(self.error_messages["inactive"], code="inactive")
        if not (user.is_superuser or user.staff_roles.filter(cluster__is_active=True).exists()):
            raise ValidationError(
                self.error_messages["invalid_login"], code="invalid_login", params={"username": _("email")}
            )


class ConsoleSite(admin.AdminSite):
    site_header = _("Cluster service platform · agency console")
    site_title = _("Agency console")
    index_title = _("Agency console")
    login_form = ConsoleAuthenticationForm
    index_template = "console/index.html"
    enable_nav_sidebar = True

    def has_permission(self, request):
        return console_context(request).may_enter

    def each_context(self, request):
        context = super().each_context(request)
        context["console"] = console_context(request)
        return context

    def get_urls(self):
        from console.admin.cluster_settings import cluster_settings_view
        from console.admin.dashboard import dashboard_view

        return [
            path("dashboard/", self.admin_view(dashboard_view), name="dashboard"),
            path("settings/", self.admin_view(cluster_settings_view), name="cluster-settings"),
            path(
                "choose-cluster/", self.admin_view(require_POST(self.choose_cluster)), name="choose-cluster"
            ),
            *super().get_urls(),
        ]

    def choose_cluster(self, request):
        console_choose(request, request.POST.get("cluster", ""))
        target = request.POST.get("next") or reverse("console:index")
        if not target.startswith("/console/"):
            target = reverse("console:index")
        return HttpResponseRedirect(target)


console_site = ConsoleSite(name="console")
