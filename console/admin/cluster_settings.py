"""The chosen cluster's settings in the console: its matching weights and limits, and its partner
tier criteria with the yearly review's thresholds — what the API lets the agency change
(`/matching/weights/`, `/partner-tier-criteria/`), written by the same services, so validation
and the audit log are the API's. The cluster's admins change them; everyone else reads them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import fields_for_model
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_platform.exceptions import Conflict
from console.admin.context import console_context
from console.admin.scoping import service_errors_to_form
from matching.engine import FEATURES
from matching.models import MatchingWeights
from matching.selectors import weights_for
from matching.services import matching_weights_update
from programmes.models import PartnerTierCriteria
from programmes.selectors.partners import tier_criteria_get
from programmes.services.partners import CRITERIA_FIELDS, tier_criteria_set


def _settings_form(name: str, model, fields: list[str]) -> type[forms.Form]:
    """A plain form with the model's fields (labels, bounds): it checks the input, and the
    service writes it."""
    return type(name, (forms.Form,), fields_for_model(model, fields=fields))


@dataclass(frozen=True)
class SettingsSection:
    prefix: str
    title: object  # lazy translatable
    form: type[forms.Form]
    current: Callable  # (cluster) -> the stored settings, or the defaults
    write: Callable  # (cluster, by, values) -> the service's result


SECTIONS = (
    SettingsSection(
        prefix="matching",
        title=gettext_lazy("Matching weights and limits"),
        form=_settings_form(
            "MatchingWeightsForm", MatchingWeights, [*FEATURES, "top_n", "slots_per_capacity"]
        ),
        current=lambda cluster: weights_for(cluster=cluster),
        write=lambda cluster, by, values: matching_weights_update(cluster=cluster, by=by, values=values),
    ),
    SettingsSection(
        prefix="tiers",
        title=gettext_lazy("Partner tier criteria and the yearly review"),
        form=_settings_form("PartnerTierCriteriaForm", PartnerTierCriteria, CRITERIA_FIELDS),
        current=lambda cluster: tier_criteria_get(cluster=cluster),
        write=lambda cluster, by, values: tier_criteria_set(cluster=cluster, by=by, values=values),
    ),
)


def cluster_settings_view(request):
    from console.admin.site import console_site

    context = console_context(request)
    cluster = context.cluster
    may_change = context.may_administer and cluster is not None
    if request.method == "POST" and not may_change:
        raise PermissionDenied
    posted = request.POST.get("section") if request.method == "POST" else None
    sections = []
    for section in SECTIONS if cluster is not None else ():
        current = section.current(cluster)
        form = section.form(
            request.POST if posted == section.prefix else None,
            initial={name: getattr(current, name) for name in section.form.base_fields},
            prefix=section.prefix,
        )
        for field in form.fields.values():
            field.disabled = not may_change
        if posted == section.prefix and form.is_valid():
            # Only what the admin changed: rewriting the matching weights unchanged would still
            # discard the weights learned from feedback.
            changed = {name: form.cleaned_data[name] for name in form.changed_data}
            try:
                if changed:
                    section.write(cluster, request.user, changed)
            except (ValidationError, Conflict) as error:
                service_errors_to_form(form, error)
            else:
                messages.success(
                    request,
                    _("%(section)s saved.") % {"section": section.title}
                    if changed
                    else _("Nothing changed."),
                )
                return HttpResponseRedirect(reverse("console:cluster-settings"))
        sections.append((section, form))
    if posted and posted not in {section.prefix for section, _form in sections}:
        raise PermissionDenied
    return TemplateResponse(
        request,
        "console/cluster_settings.html",
        {
            **console_site.each_context(request),
            "title": _("Cluster settings"),
            "scope_name": cluster.name if cluster else _("All clusters"),
            "sections": sections,
            "may_change": may_change,
        },
    )
