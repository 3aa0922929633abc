from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cluster_platform.models import Cluster, TimestampedModel
from cluster_platform.reference import validate_industry_code, validate_region_code


class SizeClass(models.TextChoices):
    LARGE = "large", _("large")
    MEDIUM = "medium", _("medium")
    SMALL = "small", _("small")
    MICRO = "micro", _("micro")


class Qualification(models.TextChoices):
    HIGH_TECH = "high_tech", _("high-tech enterprise")
    SPECIALIZED_SME = "specialized_sme", _("specialised and innovative SME")
    LITTLE_GIANT = "little_giant", _("specialised and innovative 'little giant'")
    TECH_SME = "tech_sme", _("technology-based SME")
    INNOVATIVE_SME = "innovative_sme", _("innovative SME")
    SINGLE_CHAMPION = "single_champion", _("manufacturing single champion")
    ENGINEERING_CENTER = "engineering_center", _("provincial engineering technology research centre")
    SMART_FACTORY = "smart_factory", _("smart factory or digital workshop")


class Enterprise(TimestampedModel):
    """A legal entity registered once on the platform, identified by its 统一社会信用代码."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    region_code = models.CharField(
        _("registered region (GB/T 2260)"), max_length=6, validators=[validate_region_code]
    )
    industry_code = models.CharField(
        _("industry (GB/T 4754-2017)"), max_length=5, validators=[validate_industry_code]
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    operating_revenue = models.DecimalField(
        _("operating revenue (CNY)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    rd_spend = models.DecimalField(
        _("R&D spend (CNY)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    # Construction, real-estate development and leasing and business services are sized on assets.
    total_assets = models.DecimalField(
        _("total assets (CNY)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    qualifications = ArrayField(
        models.CharField(max_length=32, choices=Qualification.choices),
        default=list,
        blank=True,
        verbose_name=_("qualifications"),
    )
    size_class = models.CharField(_("size class"), max_length=8, choices=SizeClass.choices, blank=True)
    digital_maturity_level = models.PositiveSmallIntegerField(
        _("digital maturity level (latest assessment)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(4)],
    )
    description = models.TextField(_("description"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The cluster whose agency verified: only it (or a platform operator) may revoke, and its audit
    # log records every change to the verification. Null: verified before this was recorded, or
    # the cluster was deleted; then only a platform operator may revoke.
    verified_cluster = models.ForeignKey(
        Cluster,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("verified by the agency of"),
    )

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["region_code"], name="enterprise_region"),
            models.Index(fields=["industry_code"], name="enterprise_industry"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(operating_revenue__gte=0) | models.Q(operating_revenue__isnull=True),
                name="enterprise_revenue_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(rd_spend__gte=0) | models.Q(rd_spend__isnull=True),
                name="enterprise_rd_spend_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(total_assets__gte=0) | models.Q(total_assets__isnull=True),
                name="enterprise_assets_not_negative",
            ),
        ]

    def __str__(self):
        return self.name


class EnterpriseRole(models.TextChoices):
    OWNER = "owner", _("owner")
    MEMBER = "member", _("member")


class EnterpriseUser(TimestampedModel):
    """A user acting for an enterprise, as its owner or as a member the owner invited."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="users")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enterprise_links"
    )
    role = models.CharField(
        _("role"), max_length=8, choices=EnterpriseRole.choices, default=EnterpriseRole.MEMBER
    )

    class Meta:
        verbose_name = _("enterprise user")
        verbose_name_plural = _("enterprise users")
        ordering = ["enterprise", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "user"], name="uniq_enterprise_user"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.enterprise} ({self.role})"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")


class EnterpriseInvitation(TimestampedModel):
    """An owner's invitation of an email address to act for the enterprise; it links the account of
    that email only when its user accepts."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(
        _("role"), max_length=8, choices=EnterpriseRole.choices, default=EnterpriseRole.MEMBER
    )
    status = models.CharField(
        _("status"), max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enterprise invitation")
        verbose_name_plural = _("enterprise invitations")
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "email"],
                condition=models.Q(status="pending"),
                name="uniq_pending_invitation",
            ),
        ]
        indexes = [models.Index(fields=["email", "status"], name="invitation_email_status")]

    def __str__(self):
        return f"{self.email} -> {self.enterprise} ({self.status})"


class MembershipRole(models.TextChoices):
    SME = "sme", _("SME")
    PARTNER = "partner", _("partner")


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    SUSPENDED = "suspended", _("suspended")


class PartnerTier(models.TextChoices):
    REGISTERED = "registered", _("registered")
    CERTIFIED = "certified", _("certified")
    STRATEGIC = "strategic", _("strategic")


class Membership(TimestampedModel):
    """An enterprise's admission to one cluster in one role (SME or partner); an enterprise may hold both."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="memberships")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=8, choices=MembershipRole.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.PENDING
    )
    partner_tier = models.CharField(_("partner tier"), max_length=12, choices=PartnerTier.choices, blank=True)
    # A partner's accreditation: since when (years accredited count towards tiers) and until when.
    # Past `accreditation_valid_until` the partner is out of good standing (selectors).
    accredited_since = models.DateField(_("accredited since"), null=True, blank=True)
    accreditation_valid_until = models.DateField(_("accreditation valid until"), null=True, blank=True)
    application_note = models.TextField(_("application note"), blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("cluster membership")
        verbose_name_plural = _("cluster memberships")
        ordering = ["cluster", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "enterprise", "role"], name="uniq_membership_role"),
            models.CheckConstraint(
                condition=models.Q(role="partner") | models.Q(partner_tier=""),
                name="membership_tier_only_for_partners",
            ),
        ]
        indexes = [models.Index(fields=["cluster", "status", "role"], name="membership_cluster_status")]

    def __str__(self):
        return f"{self.enterprise} in {self.cluster} as {self.role} ({self.status})"


# --- Digital-maturity self-assessment --------------------------------------------------------
# Scoring lives in enterprises/assessment.py (pure); writes in enterprises/services/assessments.py.


class Assessment(TimestampedModel):
    """One completed digital-maturity self-assessment of an enterprise, taken in a cluster; all are kept."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="assessments")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="assessments")
    questionnaire_version = models.CharField(_("questionnaire version"), max_length=16)
    answers = models.JSONField(_("answers"))
    score = models.DecimalField(
        _("score (out of 100)"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    level = models.PositiveSmallIntegerField(
        _("digital maturity level"), validators=[MinValueValidator(0), MaxValueValidator(4)]
    )
    # Dimension code -> points out of the dimension's weight.
    dimension_scores = models.JSONField(_("dimension scores"), default=dict)
    weakest_dimensions = ArrayField(
        models.CharField(max_length=32), default=list, blank=True, verbose_name=_("weakest dimensions")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("digital-maturity assessment")
        verbose_name_plural = _("digital-maturity assessments")
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["cluster", "enterprise", "created_at"], name="assessment_cluster_ent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=0) & models.Q(score__lte=100), name="assessment_score_range"
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=0) & models.Q(level__lte=4), name="assessment_level_range"
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.score} (L{self.level})"
