import django_filters
from django.utils.translation import gettext_lazy as _

from cluster_platform.api.filters import FormOnceFilterSet, StrictBooleanFilter
from cluster_platform.reference import validate_region_code
from policies.categories import CATEGORIES
from policies.models import Policy, PolicyLevel, PolicyStatus
from policies.selectors import open_now_q, region_applicable_q


class PolicyFilter(FormOnceFilterSet):
    """Filters of the library; the text search (`q`) is applied by the view after these."""

    q = django_filters.CharFilter(
        method="filter_nothing", label=_("Full-text search (Chinese)"), max_length=200
    )
    # distinct=False: a policy row never repeats here, and DISTINCT would defeat the search window.
    level = django_filters.MultipleChoiceFilter(choices=PolicyLevel.choices, distinct=False)
    region = django_filters.CharFilter(
        method="filter_region",
        label=_("GB/T 2260 code: policies applicable within this region"),
        validators=[validate_region_code],
    )
    category = django_filters.MultipleChoiceFilter(
        choices=[(c.code, c.label_en) for c in CATEGORIES], method="filter_category", distinct=False
    )
    issuer = django_filters.CharFilter(field_name="issuer", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(choices=PolicyStatus.choices)
    open_now = StrictBooleanFilter(method="filter_open_now", label=_("Open for application today"))
    amount_min = django_filters.NumberFilter(field_name="max_amount", lookup_expr="gte")
    amount_max = django_filters.NumberFilter(field_name="max_amount", lookup_expr="lte")

    class Meta:
        model = Policy
        fields = ["level", "status"]

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_region(self, queryset, name, value):
        return queryset.filter(region_applicable_q(value))

    def filter_category(self, queryset, name, value):
        return queryset.filter(categories__overlap=list(value)) if value else queryset

    def filter_open_now(self, queryset, name, value):
        return queryset.filter(open_now_q()) if value else queryset.exclude(open_now_q())
