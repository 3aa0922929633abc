from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from cluster_platform.models import Cluster, TimestampedModel


class PolicyLevel(models.TextChoices):
    NATIONAL = "national", _("national")
    PROVINCIAL = "provincial", _("provincial")
    MUNICIPAL = "municipal", _("municipal")
    DISTRICT = "district", _("district")


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    EXPIRED = "expired", _("expired")


class Policy(TimestampedModel):
    """A support policy in the platform-wide library, or a cluster agency's local policy."""

    title = models.CharField(_("title"), max_length=300)
    document_number = models.CharField(_("document number (文号)"), max_length=100, blank=True)
    issuer = models.CharField(_("issuing authority"), max_length=200)
    level = models.CharField(_("level"), max_length=10, choices=PolicyLevel.choices)
    # GB/T 2260 code the policy applies within; empty for national policies.
    region_code = models.CharField(_("region scope (GB/T 2260)"), max_length=6, blank=True)
    # Set for a local policy authored by a cluster's agency; null for the platform-wide library.
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.CASCADE, related_name="policies"
    )
    published_on = models.DateField(_("publish date"), null=True, blank=True)
    application_opens = models.DateField(_("application opens"), null=True, blank=True)
    application_closes = models.DateField(_("application closes"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    categories = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    full_text = models.TextField(_("full text"), blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    benefit_type = models.CharField(_("benefit type"), max_length=32, blank=True)
    max_amount = models.DecimalField(
        _("maximum amount (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    eligibility_rule = models.JSONField(_("eligibility rule"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT
    )
    # Identity for re-imports: issuer + document number, else a hash of the content.
    content_hash = models.CharField(max_length=64, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["-published_on", "id"]
        indexes = [
            GinIndex(fields=["search_vector"], name="policy_search"),
            models.Index(fields=["status", "level"], name="policy_status_level"),
            models.Index(fields=["region_code"], name="policy_region"),
        ]

    def __str__(self):
        return self.title
