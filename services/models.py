import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
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
            # The catalog's default order ("newest", services.selectors.offerings) within a
            # cluster: a page is read off this index and the scan stops there, instead of every
            # visible offering being read and sorted on each request. Status and partner ride
            # along, so that the public list's count is answered from the index alone.
            models.Index(
                "cluster",
                models.F("published_at").desc(nulls_last=True),
                models.F("created_at").desc(),
                "id",
                name="offering_newest",
                include=["status", "partner"],
            ),
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
        indexes = [
            models.Index(fields=["cluster", "status"], name="engagement_cluster_status"),
            # The capacity check counts an offering's engagements by status.
            models.Index(fields=["offering", "status"], name="engagement_offering_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(sme=models.F("partner")), name="engagement_sme_is_not_partner"
            ),
            # One open engagement per SME and offering: a second request while one is open is a 409.
            models.UniqueConstraint(
                fields=["cluster", "offering", "sme"],
                condition=models.Q(
                    status__in=["requested", "accepted", "in_progress", "delivered", "disputed"]
                ),
                name="uniq_open_engagement_per_sme_offering",
            ),
        ]

    def __str__(self):
        return f"{self.sme} -> {self.offering}"


class EngagementParty(models.TextChoices):
    SME = "sme", _("SME")
    PARTNER = "partner", _("partner")
    AGENCY = "agency", _("agency")


class EngagementEvent(models.Model):
    """One step of an engagement's life: who moved it from which state to which, when and why."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=16)
    from_status = models.CharField(
        _("from status"), max_length=12, choices=EngagementStatus.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=12, choices=EngagementStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_party = models.CharField(_("acting as"), max_length=8, choices=EngagementParty.choices)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("engagement event")
        verbose_name_plural = _("engagement events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["engagement", "created_at"], name="engagement_event_time")]

    def __str__(self):
        return f"{self.action}: {self.from_status or '-'} -> {self.to_status}"


class Review(TimestampedModel):
    """An SME's rating (1 to 5) of a completed engagement; one per engagement."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="reviews")
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="reviews")
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="reviews")
    partner = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="reviews_received")
    sme = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="reviews_written")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "engagement"], name="uniq_review_per_engagement"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
        ]
        indexes = [
            models.Index(fields=["offering", "-created_at"], name="review_offering_time"),
            models.Index(fields=["cluster", "partner"], name="review_cluster_partner"),
        ]

    def __str__(self):
        return f"{self.rating}/5 {self.offering}"


class PartnerRating(models.Model):
    """A partner's aggregated review score in one cluster, kept by the review service."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="partner_ratings")
    partner = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="ratings")
    count = models.PositiveIntegerField(_("reviews"), default=0)
    mean = models.FloatField(_("mean rating"), default=0)
    bayes = models.FloatField(_("Bayesian rating"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("partner rating")
        verbose_name_plural = _("partner ratings")
        ordering = ["-bayes", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "partner"], name="uniq_partner_rating_per_cluster"),
        ]

    def __str__(self):
        return f"{self.partner}: {self.bayes:.2f}"


class MachineKind(models.TextChoices):
    MEMS_DESIGN = "mems_design", _("MEMS design")
    SIMULATION = "simulation", _("simulation")
    MANUFACTURING = "manufacturing", _("manufacturing")
    TEST = "test", _("test")
    PACKAGING = "packaging", _("packaging")
    METROLOGY = "metrology", _("metrology and inspection")
    PROTOTYPING = "prototyping", _("prototyping")
    OTHER = "other", _("other")


class MachineStatus(models.TextChoices):
    ONLINE = "online", _("online")
    OFFLINE = "offline", _("offline")
    MAINTENANCE = "maintenance", _("maintenance")


class MachineApproval(models.TextChoices):
    PENDING = "pending", _("pending review")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


def default_opening_hours() -> dict:
    return {day: ["08:00", "18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


class Machine(TimestampedModel):
    """A shared machine a partner offers for booking by the hour in one cluster."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="machines")
    partner = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="machines")
    # The partner's own inventory number: the natural key within a cluster.
    asset_code = models.CharField(_("asset code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=MachineKind.choices)
    model_name = models.CharField(_("model"), max_length=200)
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    location = models.CharField(_("location"), max_length=200)
    hourly_rate = models.DecimalField(
        _("hourly rate (CNY)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    status = models.CharField(
        _("status"), max_length=12, choices=MachineStatus.choices, default=MachineStatus.ONLINE
    )
    # Weekly opening hours in the cluster's local time: {"mon": ["08:00", "18:00"], ...};
    # a missing weekday is closed. See services/slots.py for the rules.
    opening_hours = models.JSONField(_("bookable hours"), default=default_opening_hours)
    approval = models.CharField(
        _("approval"), max_length=10, choices=MachineApproval.choices, default=MachineApproval.PENDING
    )
    submitted_at = models.DateTimeField(_("submitted for review at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)

    class Meta:
        verbose_name = _("shared machine")
        verbose_name_plural = _("shared machines")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "partner", "asset_code"], name="uniq_machine_asset_per_partner"
            ),
            models.CheckConstraint(condition=models.Q(hourly_rate__gte=0), name="machine_rate_not_negative"),
        ]
        indexes = [
            models.Index(fields=["cluster", "approval", "status"], name="machine_cluster_approval"),
            models.Index(fields=["cluster", "approval", "submitted_at"], name="machine_moderation_queue"),
        ]

    def __str__(self):
        return f"{self.name} ({self.model_name})"


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    CONFIRMED = "confirmed", _("confirmed")
    DECLINED = "declined", _("declined")
    CANCELLED = "cancelled", _("cancelled")


# Bookings in these states hold their slot: no other booking of the machine may overlap them.
BOOKING_HOLDING_STATUSES = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)


class Booking(TimestampedModel):
    """An SME's reservation of a machine for a time slot [start, end)."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="bookings")
    machine = models.ForeignKey(Machine, on_delete=models.CASCADE, related_name="bookings")
    sme = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="bookings")
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    purpose = models.CharField(_("purpose"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.REQUESTED
    )
    # The hourly rate at booking time, so a later price change does not rewrite agreed prices.
    hourly_rate = models.DecimalField(_("hourly rate (CNY)"), max_digits=10, decimal_places=2)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by_party = models.CharField(
        _("cancelled by"), max_length=8, choices=EngagementParty.choices, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("machine booking")
        verbose_name_plural = _("machine bookings")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="booking_end_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["machine", "start"], name="booking_machine_start"),
            models.Index(fields=["cluster", "status", "start"], name="booking_cluster_status_start"),
        ]

    def __str__(self):
        return f"{self.machine} {self.start:%Y-%m-%d %H:%M}"
