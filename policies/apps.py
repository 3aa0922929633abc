from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = _("Policies")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from policies import receivers  # noqa: F401  (connects the signal receivers)
