from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = _("Programmes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The catalog (services) and the policy library sit below programmes and cannot call it:
        # programmes plugs its net-cost calculation and its knowledge of the service taxonomy
        # into the hooks they own.
        from policies.covers import service_category_resolver_register
        from programmes.selectors.net_cost import offering_net_costs
        from services.selectors.categories import category_codes_by_word
        from services.selectors.net_cost import net_cost_provider_register

        net_cost_provider_register(offering_net_costs)
        service_category_resolver_register(category_codes_by_word)
