"""Subscriptions to the registry's events (connected in PoliciesConfig.ready())."""

from django.dispatch import receiver

from enterprises.signals import enterprise_facts_changed
from policies.eligibility.notifications import enterprise_profile_changed


@receiver(enterprise_facts_changed, dispatch_uid="policies.enterprise_facts_changed")
def reevaluate_policies(sender, enterprise, **kwargs):
    enterprise_profile_changed(enterprise)
