from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cluster_platform.api.fields import BoundedListField
from cluster_platform.reference import validate_industry_code, validate_region_code
from enterprises.models import Qualification, SizeClass
from policies.eligibility.calculator import DEFAULT_LIMIT, MAX_LIMIT
from policies.models import Policy
from policies.rules.catalogue import FACTS


class LimitSerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT, help_text=_("Results per section.")
    )


class ProfileSerializer(serializers.Serializer):
    """An ad-hoc enterprise profile. An omitted fact is unknown: policies that depend on it are
    listed under needs_facts. An empty qualifications list means "holds none"."""

    region_code = serializers.CharField(max_length=6, validators=[validate_region_code])
    industry_code = serializers.CharField(max_length=5, required=False, validators=[validate_industry_code])
    size_class = serializers.ChoiceField(choices=SizeClass.choices, required=False)
    qualifications = BoundedListField(
        child=serializers.ChoiceField(choices=Qualification.choices),
        required=False,
        allow_empty=True,
        max_length=20,
    )
    employees = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, allow_null=True)
    operating_revenue = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    rd_spend = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    founded_on = serializers.DateField(required=False, allow_null=True)
    digital_maturity_level = serializers.IntegerField(
        min_value=0, max_value=4, required=False, allow_null=True
    )
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)

    def validate_founded_on(self, value):
        if value is not None and value > timezone.localdate():
            raise serializers.ValidationError(_("The founding date cannot be in the future."))
        return value

    def validate_qualifications(self, value):
        return sorted(set(value))


class PolicySummarySerializer(serializers.ModelSerializer):
    cluster = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Policy
        fields = [
            "id",
            "title",
            "document_number",
            "issuer",
            "level",
            "region_code",
            "cluster",
            "benefit_type",
            "max_amount",
            "application_opens",
            "application_closes",
            "valid_until",
        ]
        read_only_fields = fields


class ConditionResultSerializer(serializers.Serializer):
    path = serializers.CharField(help_text=_("Where the condition sits in the rule, e.g. rule.all[1].not"))
    fact = serializers.ChoiceField(choices=list(FACTS))
    op = serializers.CharField()
    required = serializers.JSONField(help_text=_("The value the rule requires."))
    actual = serializers.JSONField(allow_null=True, help_text=_("The profile's value; null when unknown."))
    outcome = serializers.ChoiceField(choices=["met", "not_met", "unknown"])
    negated = serializers.BooleanField(
        help_text=_("Under an odd number of `not`: the condition must NOT hold.")
    )
    role = serializers.CharField(required=False)
    text = serializers.CharField()


class PolicyMatchSerializer(serializers.Serializer):
    policy = PolicySummarySerializer()
    conditions = ConditionResultSerializer(many=True)
    unmet = ConditionResultSerializer(
        many=True,
        required=False,
        help_text=_("Near misses: each of these alone would make the enterprise eligible."),
    )
    missing_facts = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        read_only=True,
        help_text=_("Needs facts: the profile facts to add."),
    )


class MatchSectionSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = PolicyMatchSerializer(many=True)


class NeedsFactsSectionSerializer(MatchSectionSerializer):
    facts = serializers.DictField(
        child=serializers.IntegerField(), help_text=_("Missing fact -> how many policies it would decide.")
    )


class PolicyMatchesSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    evaluated = serializers.IntegerField(help_text=_("Candidate policies evaluated."))
    eligible = MatchSectionSerializer()
    near_misses = MatchSectionSerializer()
    needs_facts = NeedsFactsSectionSerializer()
