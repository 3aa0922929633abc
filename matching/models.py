from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cluster_platform.models import Cluster, TimestampedModel
from enterprises.models import Enterprise
from matching.engine import DEFAULT_WEIGHTS, FEATURES  # the features in stored order, and their defaults
from services.models import Demand, Engagement, Offering


def _weight_field(feature: str, label):
    return models.FloatField(
        label, default=DEFAULT_WEIGHTS[feature], validators=[MinValueValidator(0), MaxValueValidator(1)]
    )


class MatchingWeights(TimestampedModel):
    """The agency's weights for one cluster's matching score (normalised to sum 1 when scoring)."""

    cluster = models.OneToOneField(Cluster, on_delete=models.CASCADE, related_name="matching_weights")
    category = _weight_field("category", _("category fit"))
    industry = _weight_field("industry", _("industry fit"))
    size = _weight_field("size", _("size-class fit"))
    region = _weight_field("region", _("region fit"))
    budget = _weight_field("budget", _("budget overlap"))
    maturity = _weight_field("maturity", _("maturity fit"))
    text = _weight_field("text", _("text relevance"))
    quality = _weight_field("quality", _("partner quality"))
    capacity = _weight_field("capacity", _("capacity headroom"))
    uplift = _weight_field("uplift", _("clients' measured uplift"))
    top_n = models.PositiveSmallIntegerField(
        _("recommendations per demand or SME"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    # How many subjects one unit of an offering's free capacity may be recommended to in one run.
    # 1: never beyond the free capacity. Not every recommendation turns into a request, so an
    # agency may allow some oversubscription.
    slots_per_capacity = models.PositiveSmallIntegerField(
        _("recommendations per unit of free capacity"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The last pass of learning from the cluster's feedback (matching/learning.py LearnedWeights
    # report): the weights it found, on how many answers, and their held-out AUC against the
    # agency's. Runs score with them only when "used" (they beat the agency's weights).
    learned = models.JSONField(_("weights learned from feedback"), default=dict, blank=True)
    learned_at = models.DateTimeField(_("learned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("matching weights")
        verbose_name_plural = _("matching weights")
        ordering = ["cluster"]

    def __str__(self):
        return f"weights @ {self.cluster}"

    def as_dict(self) -> dict[str, float]:
        """The agency's weights."""
        return {feature: getattr(self, feature) for feature in FEATURES}

    def scoring_weights(self) -> dict[str, float]:
        """What runs score with: the learned weights when learning found better ones, else the agency's."""
        if self.learned.get("used") and self.learned.get("weights"):
            return {feature: float(self.learned["weights"].get(feature, 0.0)) for feature in FEATURES}
        return self.as_dict()


class MatchRunStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    PLANNING = "planning", _("scoring")
    WRITING = "writing", _("writing")
    COMPLETED = "completed", _("completed")
    FAILED = "failed", _("failed")


class MatchRunTrigger(models.TextChoices):
    MANUAL = "manual", _("requested by the agency")
    COMMAND = "command", _("management command")
    EVENT = "event", _("a change (demand, offering, assessment)")
    DEMO = "demo", _("demo data")


class MatchRun(TimestampedModel):
    """One scoring job in a cluster: the whole cluster (batch) or the subjects one change affects."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="match_runs")
    trigger = models.CharField(_("trigger"), max_length=8, choices=MatchRunTrigger.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=MatchRunStatus.choices, default=MatchRunStatus.PENDING
    )
    # Empty: every open demand and every approved SME of the cluster. Otherwise subject keys
    # "demand:<uuid>" / "sme:<uuid>", or "offering:<uuid>" (everyone that offering may suit).
    scope = models.JSONField(_("scope"), default=list, blank=True)
    weights = models.JSONField(_("weights used"), default=dict, blank=True)
    subjects_total = models.PositiveIntegerField(_("demands and SMEs scored"), default=0)
    offerings_total = models.PositiveIntegerField(_("offerings considered"), default=0)
    pairs_scored = models.BigIntegerField(_("pairs scored"), default=0)
    chunk_size = models.PositiveIntegerField(
        _("subjects per chunk"), default=500, validators=[MinValueValidator(1), MaxValueValidator(5000)]
    )
    chunks_total = models.PositiveIntegerField(_("chunks"), default=0)
    chunks_done = models.PositiveIntegerField(_("chunks written"), default=0)
    recommendations_count = models.PositiveIntegerField(_("recommendations written"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Touched by every step; the sweep resumes runs whose heartbeat is stale.
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("planning attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("match run")
        verbose_name_plural = _("match runs")
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["cluster", "status"], name="matchrun_cluster_status")]

    def __str__(self):
        return f"match run {self.id} ({self.status})"

    @property
    def progress(self) -> float:
        if self.status == MatchRunStatus.COMPLETED:
            return 1.0
        return self.chunks_done / self.chunks_total if self.chunks_total else 0.0

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 3)


class MatchChunk(models.Model):
    """A slice of a run's planned recommendations, written in one transaction (the unit of resumption)."""

    id = models.BigAutoField(primary_key=True)
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField(_("index"))
    # The subjects whose recommendations the chunk replaces: demands, and SMEs (proactive).
    demand_ids = ArrayField(models.UUIDField(), default=list, blank=True)
    sme_ids = ArrayField(models.UUIDField(), default=list, blank=True)
    # One line per planned recommendation (matching.services._planned_chunks: ids, score and the
    # explanation as JSON, tab-separated), written with COPY and expanded by PostgreSQL when the
    # chunk is written.
    payload = models.TextField(_("planned recommendations"))
    done_at = models.DateTimeField(_("written at"), null=True, blank=True)

    class Meta:
        verbose_name = _("match run chunk")
        verbose_name_plural = _("match run chunks")
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "run", "index"], name="uniq_matchchunk_index"),
        ]

    def __str__(self):
        return f"{self.run_id} #{self.index}"


class Recommendation(TimestampedModel):
    """An offering recommended to an SME, for one of its demands or proactively from its profile.

    `contributions` keeps every feature's value, weight, contribution and reason, so the API can
    say why. A newer run replaces a subject's recommendations; it never adds duplicates.
    """

    # No index of its own: every index below starts with the cluster (a run inserts 200,000 rows,
    # and each index is one more insertion per row).
    cluster = models.ForeignKey(
        Cluster, on_delete=models.CASCADE, related_name="recommendations", db_index=False
    )
    run = models.ForeignKey(MatchRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    demand = models.ForeignKey(
        Demand, null=True, blank=True, on_delete=models.CASCADE, related_name="recommendations"
    )
    sme = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="recommendations")
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="recommendations")
    partner = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.FloatField(_("score"))
    # [[feature, value, weight, contribution, code, params, reason], ...] (explanations.CONTRIBUTION_FIELDS),
    # biggest contribution first; explanations.contributions_expand gives them as dicts.
    contributions = models.JSONField(_("contributions"), default=list)

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "demand", "offering"],
                condition=models.Q(demand__isnull=False),
                name="uniq_recommendation_demand_offering",
            ),
            models.UniqueConstraint(
                fields=["cluster", "sme", "offering"],
                condition=models.Q(demand__isnull=True),
                name="uniq_recommendation_sme_offering",
            ),
        ]
        # A demand's rows are found through uniq_recommendation_demand_offering (cluster, demand, ...),
        # an offering's through the offering's own foreign-key index.
        indexes = [models.Index(fields=["cluster", "sme", "rank"], name="recommendation_sme")]

    def __str__(self):
        return f"{self.offering_id} -> {self.sme_id} #{self.rank}"


class FeedbackKind(models.TextChoices):
    INTERESTED = "interested", _("interested")
    DISMISSED = "dismissed", _("dismissed")


class DismissReason(models.TextChoices):
    NOT_RELEVANT = "not_relevant", _("not relevant")
    TOO_EXPENSIVE = "too_expensive", _("too expensive")
    TOO_FAR = "too_far", _("too far away")
    ALREADY_SERVED = "already_served", _("already have a provider")
    OTHER = "other", _("other")


class RecommendationFeedback(TimestampedModel):
    """An SME's answer to a recommended offering; a dismissal keeps the offering out of its
    future recommendations, an interest records the engagement request it created."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    sme = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="+")
    demand = models.ForeignKey(Demand, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=FeedbackKind.choices)
    reason = models.CharField(_("reason"), max_length=16, choices=DismissReason.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    score = models.FloatField(_("score when recommended"))
    # The pair's feature values when it was recommended: what learning from feedback learns from.
    values = models.JSONField(_("feature values when recommended"), default=dict, blank=True)
    engagement = models.ForeignKey(
        Engagement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("recommendation feedback")
        verbose_name_plural = _("recommendation feedback")
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "sme", "offering", "kind"], name="uniq_feedback_per_offering_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="dismissed") | models.Q(reason=""),
                name="feedback_reason_only_for_dismissal",
            ),
        ]

    def __str__(self):
        return f"{self.sme_id} {self.kind} {self.offering_id}"
