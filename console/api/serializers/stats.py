import re
from datetime import date

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cluster_platform.models import Cluster
from console.selectors.stats import MAX_MONTHS, month_range
from console.services.stats import default_range

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthField(serializers.CharField):
    """A calendar month written YYYY-MM."""

    default_error_messages = {"invalid_month": _("Enter a month as YYYY-MM, for example 2026-03.")}

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        match = MONTH.match(text)
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
            self.fail("invalid_month")
        return date(int(match[1]), int(match[2]), 1)


class StatsRangeSerializer(serializers.Serializer):
    """The months a series spans; by default the last twelve, the current one included."""

    from_ = MonthField(required=False, help_text=_("First month of the series (YYYY-MM)."))
    to = MonthField(required=False, help_text=_("Last month of the series (YYYY-MM)."))

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        last = attrs.get("to") or default_range()[1]
        first = attrs.get("from") or month_range(date(last.year - 1, last.month, 1), last)[1]
        if first > last:
            raise serializers.ValidationError({"from": _("The first month must not be after the last.")})
        if len(month_range(first, last)) > MAX_MONTHS:
            raise serializers.ValidationError(
                {"from": _("A series spans at most %(months)d months.") % {"months": MAX_MONTHS}}
            )
        return {"first": first, "last": last}


class PlatformStatsQuerySerializer(StatsRangeSerializer):
    clusters = serializers.CharField(
        required=False,
        help_text=_("Slugs of the clusters to add up, comma separated; every active cluster if absent."),
    )

    def validate_clusters(self, value):
        slugs = sorted({slug.strip() for slug in value.split(",") if slug.strip()})
        if not slugs:
            raise serializers.ValidationError(_("Name at least one cluster."))
        found = list(Cluster.objects.filter(slug__in=slugs, is_active=True).order_by("slug"))
        unknown = sorted(set(slugs) - {cluster.slug for cluster in found})
        if unknown:
            raise serializers.ValidationError(
                _("No active cluster with the slug(s): %(slugs)s") % {"slugs": ", ".join(unknown)}
            )
        return found

    def validate(self, attrs):
        clusters = attrs.get("clusters")
        result = super().validate(attrs)
        result["clusters"] = clusters or list(Cluster.objects.filter(is_active=True).order_by("slug"))
        return result


class StatsSerializer(serializers.Serializer):
    clusters = serializers.ListField(child=serializers.CharField(), help_text=_("The clusters counted."))
    months = serializers.ListField(
        child=serializers.CharField(), help_text=_("The months of every series, in order (YYYY-MM).")
    )
    computed_at = serializers.DateTimeField(help_text=_("When these figures were computed."))
    figures = serializers.DictField(
        help_text=_(
            "Each figure: totals, breakdowns and series (lists aligned with `months`); see the console guide."
        )
    )
