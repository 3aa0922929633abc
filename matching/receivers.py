"""Subscriptions to the registry's and the catalog's events (connected in MatchingConfig.ready())."""

from django.dispatch import receiver

from enterprises.signals import assessment_submitted
from matching import services as matching_services
from services.signals import demand_changed, offering_changed


@receiver(offering_changed, dispatch_uid="matching.offering_changed")
def rescore_offering(sender, offering, **kwargs):
    matching_services.offering_changed(offering)


@receiver(demand_changed, dispatch_uid="matching.demand_changed")
def rescore_demand(sender, demand, **kwargs):
    matching_services.demand_changed(demand)


@receiver(assessment_submitted, dispatch_uid="matching.assessment_submitted")
def rescore_assessed_sme(sender, assessment, **kwargs):
    matching_services.assessment_completed(assessment)
