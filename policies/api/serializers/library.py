from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cluster_platform.api.fields import BoundedListField
from cluster_platform.api.serializers import FastOutputMixin, speaks_english
from cluster_platform.reference.regions import get_region
from policies.categories import BENEFIT_TYPES, CATEGORIES, CATEGORY_BY_CODE
from policies.models import Policy, PolicyImportJob, PolicyLevel
from policies.records import MAX_AMOUNT_LIMIT


class PolicyCategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    label_zh = serializers.CharField()
    label_en = serializers.CharField()


class PolicyListSerializer(FastOutputMixin, serializers.ModelSerializer):
    region_name = serializers.SerializerMethodField()
    category_labels = serializers.SerializerMethodField()
    cluster = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    rank = serializers.FloatField(read_only=True, allow_null=True, required=False)

    class Meta:
        model = Policy
        fields = [
            "id",
            "title",
            "document_number",
            "issuer",
            "level",
            "region_code",
            "region_name",
            "cluster",
            "published_on",
            "application_opens",
            "application_closes",
            "valid_from",
            "valid_until",
            "categories",
            "category_labels",
            "summary",
            "benefit_type",
            "max_amount",
            "status",
            "rank",
        ]
        read_only_fields = fields

    # Looked up once per serializer (one request, one language) rather than for every row.
    @cached_property
    def _nationwide(self) -> str:
        return str(_("Nationwide"))

    @cached_property
    def _category_labels(self) -> dict[str, str]:
        english = speaks_english()
        return {code: item.label_en if english else item.label_zh for code, item in CATEGORY_BY_CODE.items()}

    @extend_schema_field(serializers.CharField(allow_blank=True))
    def get_region_name(self, policy) -> str:
        if not policy.region_code:
            return self._nationwide
        region = get_region(policy.region_code)
        return region.name if region else ""

    def get_category_labels(self, policy) -> list[str]:
        labels = self._category_labels
        return [labels[code] for code in policy.categories if code in labels]


class PolicyDetailSerializer(PolicyListSerializer):
    class Meta(PolicyListSerializer.Meta):
        fields = [
            *[name for name in PolicyListSerializer.Meta.fields if name != "rank"],
            "full_text",
            "source_url",
            "eligibility_rule",
            "covers_share",
            "covers_cap",
            "covers_categories",
            "stackable",
            "exclusive_with",
            "max_public_share",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PolicyInputSerializer(serializers.Serializer):
    """What an author may set; the status changes only through publish/expire."""

    title = serializers.CharField(max_length=300)
    document_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    issuer = serializers.CharField(max_length=200)
    level = serializers.ChoiceField(choices=PolicyLevel.choices)
    region_code = serializers.CharField(max_length=6, required=False, allow_blank=True)
    published_on = serializers.DateField(required=False, allow_null=True)
    application_opens = serializers.DateField(required=False, allow_null=True)
    application_closes = serializers.DateField(required=False, allow_null=True)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)
    categories = BoundedListField(
        child=serializers.ChoiceField(choices=[(c.code, c.label_en) for c in CATEGORIES]),
        required=False,
        allow_empty=True,
        max_length=len(CATEGORIES),
    )
    summary = serializers.CharField(required=False, allow_blank=True)
    full_text = serializers.CharField(required=False, allow_blank=True)
    source_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    benefit_type = serializers.ChoiceField(
        choices=[(b.code, b.label_en) for b in BENEFIT_TYPES], required=False, allow_blank=True
    )
    max_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        max_value=MAX_AMOUNT_LIMIT,
        required=False,
        allow_null=True,
    )
    eligibility_rule = serializers.JSONField(required=False)
    # The covers benefit and its stacking rules; the ranges and cross-field rules are checked by
    # the service (policies.records, policies.covers), as for an imported row.
    covers_share = serializers.DecimalField(
        max_digits=4,
        decimal_places=3,
        required=False,
        allow_null=True,
        help_text=_(
            "Share of a service's price the policy pays (0 < share <= 1); null: it covers no service."
        ),
    )
    covers_cap = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text=_("At most this many CNY per service (>= 0)."),
    )
    covers_categories = BoundedListField(
        child=serializers.CharField(max_length=64),
        required=False,
        max_length=100,
        help_text=_("Service category codes it covers (a parent covers its children); empty: any."),
    )
    stackable = serializers.BooleanField(
        required=False, help_text=_("False: combines with no other subsidy.")
    )
    exclusive_with = BoundedListField(
        child=serializers.UUIDField(),
        required=False,
        max_length=100,
        help_text=_("Ids of policies it does not combine with (library policies, or your cluster's)."),
    )
    max_public_share = serializers.DecimalField(
        max_digits=4,
        decimal_places=3,
        required=False,
        allow_null=True,
        help_text=_(
            "While this policy is used, all subsidies together cover at most this share of the price."
        ),
    )

    def validate_exclusive_with(self, value):
        return list(dict.fromkeys(value))

    def validate_categories(self, value):
        return list(dict.fromkeys(value))


class PolicyImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("A .jsonl, .csv or .xlsx file of policies."))


class PolicyImportJobSerializer(serializers.ModelSerializer):
    cluster = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="email", read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = PolicyImportJob
        fields = [
            "id",
            "cluster",
            "created_by",
            "filename",
            "file_format",
            "status",
            "rows_total",
            "rows_done",
            "progress",
            "rows_created",
            "rows_updated",
            "rows_unchanged",
            "rows_failed",
            "errors",
            "failure",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_progress(self, job) -> float:
        """Share of rows processed, 0 to 1."""
        if not job.rows_total:
            return 1.0 if job.status in ("succeeded", "failed") else 0.0
        return round(job.rows_done / job.rows_total, 4)
