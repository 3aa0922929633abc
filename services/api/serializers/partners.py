from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from enterprises.models import Enterprise


class PartnerUpliftSerializer(serializers.Serializer):
    """A partner's clients' measured digital-maturity gain in one cluster (services.reputation's
    UpliftStats): aggregates over at least three clients, never one client's scores."""

    n = serializers.IntegerField(
        help_text=_("Completed engagements measured (clients assessed before and 30+ days after).")
    )
    mean_levels = serializers.FloatField(help_text=_("Mean gain in maturity levels (0-4)."))
    mean_score = serializers.FloatField(help_text=_("Mean gain in score points (out of 100)."))
    ci_low = serializers.FloatField(help_text=_("95 percent confidence interval of the mean level gain."))
    ci_high = serializers.FloatField()
    summary = serializers.SerializerMethodField()

    def get_summary(self, stats) -> str:
        return gettext("Clients of this partner gained on average %(levels)+.1f levels, n=%(n)d") % {
            "levels": stats.mean_levels,
            "n": stats.n,
        }


class PartnerProfileSerializer(serializers.ModelSerializer):
    """A partner's public profile in one cluster: no contact or financial details."""

    partner_tier = serializers.CharField()
    rating_count = serializers.IntegerField()
    rating_mean = serializers.FloatField(allow_null=True)
    rating_bayes = serializers.FloatField(allow_null=True)
    completed_engagements = serializers.IntegerField(help_text=_("Completed in this cluster."))
    published_offerings = serializers.IntegerField()
    uplift = serializers.SerializerMethodField(
        help_text=_("Null until at least three of its clients' gains could be measured.")
    )

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "region_code",
            "industry_code",
            "qualifications",
            "partner_tier",
            "rating_count",
            "rating_mean",
            "rating_bayes",
            "completed_engagements",
            "published_offerings",
            "uplift",
        ]
        read_only_fields = fields

    @extend_schema_field(PartnerUpliftSerializer(allow_null=True))
    def get_uplift(self, enterprise):
        stats = self.context.get("uplift", {}).get(enterprise.pk)
        return PartnerUpliftSerializer(stats).data if stats is not None else None
