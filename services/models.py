from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from cluster_platform.models import Cluster, TimestampedModel
from enterprises.models import Enterprise


class Category(models.Model):
    """A node of the platform-wide service taxonomy (shipped as data)."""

    code = models.SlugField(_("code"), max_length=64, primary_key=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["position", "code"]

    def __str__(self):
        return self.name


class DeliveryMode(models.TextChoices):
    ONLINE = "online", _("online")
    OFFLINE = "offline", _("offline")
    HYBRID = "hybrid", _("hybrid")


class PriceModel(models.TextChoices):
    FREE = "free", _("free")
    FIXED = "fixed", _("fixed price")
    FROM = "from", _("from")
    QUOTE = "quote", _("on quotation")
    SUBSCRIPTION = "subscription", _("subscription")


class OfferingStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PENDING = "pending", _("pending review")
    PUBLISHED = "published", _("published")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Offering(TimestampedModel):
    """A service a partner offers in one cluster; the columns hold the version the agency approved."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="offerings")
    partner = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="offerings")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="offerings")
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    delivery_mode = models.CharField(_("delivery mode"), max_length=8, choices=DeliveryMode.choices)
    # GB/T 4754 code prefixes ("C39", "C3982", "I65"); empty = any industry.
    target_industries = ArrayField(models.CharField(max_length=5), default=list, blank=True)
    # Size classes (enterprises.SizeClass values); empty = any size.
    target_size_classes = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    # GB/T 2260 codes served; empty = nationwide.
    regions_served = ArrayField(models.CharField(max_length=6), default=list, blank=True)
    # Digital-maturity levels (1-4) the offering addresses; empty = any.
    maturity_levels = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    price_model = models.CharField(_("price model"), max_length=12, choices=PriceModel.choices)
    price_min = models.DecimalField(
        _("minimum price (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    price_max = models.DecimalField(
        _("maximum price (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    voucher_eligible = models.BooleanField(_("service voucher eligible"), default=False)
    capacity = models.PositiveIntegerField(_("capacity (concurrent engagements)"), default=1)
    tags = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OfferingStatus.choices, default=OfferingStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted for review at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("review decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why the agency rejected (or took down) the offering; shown to its partner.
    decision_reason = models.TextField(_("decision reason"), blank=True)
    # Maintained by the review aggregation: count, mean, and the Bayesian average used for ranking.
    rating_count = models.PositiveIntegerField(default=0)
    rating_mean = models.FloatField(default=0)
    rating_bayes = models.FloatField(default=0)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        ordering = ["-created_at", "id"]
        indexes = [
            GinIndex(fields=["search_vector"], name="offering_search"),
            models.Index(fields=["cluster", "status"], name="offering_cluster_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_min__isnull=True)
                | models.Q(price_max__isnull=True)
                | models.Q(price_min__lte=models.F("price_max")),
                name="offering_price_range_ordered",
            ),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="offering_capacity_positive"),
        ]

    def __str__(self):
        return self.title


class RevisionStatus(models.TextChoices):
    PENDING = "pending", _("pending review")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    SUPERSEDED = "superseded", _("superseded")


class OfferingRevision(TimestampedModel):
    """A change a partner proposes to a published offering; the offering stays as approved until review.

    `data` holds the complete proposed values of the editable fields (already validated), so
    the agency approves exactly what it sees; approval copies them onto the offering.
    """

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="offering_revisions")
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="revisions")
    data = models.JSONField(_("proposed values"))
    status = models.CharField(
        _("status"), max_length=10, choices=RevisionStatus.choices, default=RevisionStatus.PENDING
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)

    class Meta:
        verbose_name = _("offering revision")
        verbose_name_plural = _("offering revisions")
        ordering = ["created_at", "id"]
        constraints = [
            # One proposal under review per offering: a newer edit supersedes the older one.
            models.UniqueConstraint(
                fields=["cluster", "offering"],
                condition=models.Q(status="pending"),
                name="uniq_pending_revision_per_offering",
            ),
        ]
        indexes = [models.Index(fields=["cluster", "status"], name="revision_cluster_status")]

    def __str__(self):
        return f"{self.offering} ({self.status})"


class DemandStatus(models.TextChoices):
    OPEN = "open", _("open")
    MATCHED = "matched", _("matched")
    IN_PROGRESS = "in_progress", _("in progress")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")


class Demand(TimestampedModel):
    """A need an SME member posts in its cluster."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="demands")
    sme = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="demands")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    categories = models.ManyToManyField(Category, related_name="demands", blank=True)
    budget_min = models.DecimalField(
        _("budget from (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    budget_max = models.DecimalField(
        _("budget to (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    desired_start = models.DateField(_("desired start"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=DemandStatus.choices, default=DemandStatus.OPEN
    )
    visible_to_partners = models.BooleanField(_("visible to partners"), default=False)

    class Meta:
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["cluster", "status"], name="demand_cluster_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_min__isnull=True)
                | models.Q(budget_max__isnull=True)
                | models.Q(budget_min__lte=models.F("budget_max")),
                name="demand_budget_range_ordered",
            ),
        ]

    def __str__(self):
        return self.title


class EngagementStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    IN_PROGRESS = "in_progress", _("in progress")
    DELIVERED = "delivered", _("delivered")
    COMPLETED = "completed", _("completed")
    DISPUTED = "disputed", _("disputed")
    CANCELLED = "cancelled", _("cancelled")


class Engagement(TimestampedModel):
    """A service order: an SME requests a partner's offering, optionally for one of its demands."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="engagements")
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="engagements")
    sme = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="engagements_requested")
    partner = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="engagements_received")
    demand = models.ForeignKey(
        Demand, null=True, blank=True, on_delete=models.SET_NULL, related_name="engagements"
    )
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=EngagementStatus.choices, default=EngagementStatus.REQUESTED
    )

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["cluster", "status"], name="engagement_cluster_status")]

    def __str__(self):
        return f"{self.sme} -> {self.offering}"
