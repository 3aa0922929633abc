from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.utils import timezone
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


class PolicyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """Every bulk update also moves `updated_at` (as `save()` does through `auto_now`): the
        calculator caches compiled rules by policy id and `updated_at`, and a rule changed by
        `.update()` (or `bulk_update`, which uses it) must not be served from the stale entry."""
        kwargs.setdefault("updated_at", timezone.now())
        return super().update(**kwargs)


class Policy(TimestampedModel):
    """A support policy in the platform-wide library, or a cluster agency's local policy."""

    objects = PolicyQuerySet.as_manager()

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
    # A `covers` benefit: the policy pays this share of a service's price, at most `covers_cap`,
    # for services of these categories (empty = any). Null share: it covers no service price.
    covers_share = models.DecimalField(
        _("covers: share of the price"), max_digits=4, decimal_places=3, null=True, blank=True
    )
    covers_cap = models.DecimalField(
        _("covers: cap (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # Database defaults too: the bulk import COPYs only the columns it reads from a file.
    covers_categories = ArrayField(
        models.CharField(max_length=64), default=list, blank=True, db_default=RawSQL("'{}'::varchar[]", [])
    )
    # Stacking: an exclusive policy combines with no other subsidy; a stackable one with any but
    # those named in `exclusive_with`. `max_public_share` caps the total of all subsidies used
    # with this policy (0.700 = public money at most 70 % of the price).
    stackable = models.BooleanField(_("stackable with other subsidies"), default=True, db_default=True)
    exclusive_with = ArrayField(
        models.UUIDField(), default=list, blank=True, db_default=RawSQL("'{}'::uuid[]", [])
    )
    max_public_share = models.DecimalField(
        _("cap on the total public share"), max_digits=4, decimal_places=3, null=True, blank=True
    )
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
            GinIndex(fields=["categories"], name="policy_categories"),
            models.Index(fields=["application_closes"], name="policy_closes"),
            models.Index(fields=["max_amount"], name="policy_amount"),
            # Lists and unselective searches walk this index newest first and stop at a page.
            models.Index(F("published_on").desc(nulls_last=True), "id", name="policy_recent"),
        ]
        constraints = [
            # One row per identity and scope: re-imports update instead of duplicating. A
            # NULL cluster (the platform library) counts as one scope.
            models.UniqueConstraint(
                fields=["cluster", "content_hash"], name="uniq_policy_identity", nulls_distinct=False
            ),
            models.CheckConstraint(
                condition=models.Q(covers_share__isnull=True)
                | models.Q(covers_share__gt=0, covers_share__lte=1),
                name="policy_covers_share_range",
            ),
            models.CheckConstraint(
                condition=models.Q(max_public_share__isnull=True)
                | models.Q(max_public_share__gt=0, max_public_share__lte=1),
                name="policy_max_public_share_range",
            ),
        ]

    def __str__(self):
        return self.title


class ImportJobStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class PolicyImportJob(TimestampedModel):
    """One uploaded policy file and the progress and outcome of importing it."""

    # Null for a platform-wide import by an operator; set when a cluster's agency imports
    # its local policies.
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.CASCADE, related_name="policy_import_jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=8)
    # The upload itself: kept in the database so that a worker on another host can read it.
    content = models.BinaryField(_("content"), editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.PENDING
    )
    rows_total = models.PositiveIntegerField(_("rows in the file"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    rows_created = models.PositiveIntegerField(_("policies created"), default=0)
    rows_updated = models.PositiveIntegerField(_("policies updated"), default=0)
    # Rows identical to the policy already in the library: a re-imported file changes nothing.
    rows_unchanged = models.PositiveIntegerField(_("policies unchanged"), default=0)
    rows_failed = models.PositiveIntegerField(_("rows rejected"), default=0)
    # [{"row": 12, "field": "region_code", "reason": "..."}], the first few hundred.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # Why the whole file was refused (it could not be parsed); empty otherwise.
    failure = models.TextField(_("failure"), blank=True)
    # Runs started: more than one means a worker was lost mid-import and the job ran again.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("policy import job")
        verbose_name_plural = _("policy import jobs")
        ordering = ["-created_at", "id"]

    def __str__(self):
        return f"{self.filename} ({self.status})"
