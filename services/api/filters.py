import django_filters
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from cluster_platform.api.filters import FormOnceFilterSet, StrictBooleanFilter
from cluster_platform.reference import validate_region_code
from enterprises.models import SizeClass
from services.models import Category, DeliveryMode, DemandStatus, OfferingRevision, OfferingStatus
from services.selectors.categories import category_descendant_codes
from services.selectors.offerings import OFFERING_ORDERINGS, offering_filter, offering_order, offering_search
from services.services.offerings import validate_industry_prefix


class OfferingFilter(FormOnceFilterSet):
    """Finding services: the declared filters validate the query string, the selectors apply it."""

    q = django_filters.CharFilter(label=_("full-text search (Chinese or English)"), max_length=200)
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="code",
        label=_("category code (with its subcategories)"),
    )
    delivery_mode = django_filters.ChoiceFilter(choices=DeliveryMode.choices)
    industry = django_filters.CharFilter(
        label=_("an enterprise's GB/T 4754 industry code"), validators=[validate_industry_prefix]
    )
    size_class = django_filters.ChoiceFilter(choices=SizeClass.choices)
    region = django_filters.CharFilter(
        label=_("a GB/T 2260 region the offering must serve"), validators=[validate_region_code]
    )
    price_min = django_filters.NumberFilter(
        label=_("the price range reaches at least this amount (CNY)"), min_value=0
    )
    price_max = django_filters.NumberFilter(
        label=_("the lowest price is within this budget (CNY)"), min_value=0
    )
    voucher_eligible = StrictBooleanFilter()
    partner = django_filters.UUIDFilter()
    status = django_filters.ChoiceFilter(choices=OfferingStatus.choices)
    ordering = django_filters.ChoiceFilter(
        choices=[(key, key) for key in OFFERING_ORDERINGS],
        label=_("relevance (when searching; the default then), rating, or newest (the default)"),
    )

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        category = data.get("category")
        queryset = offering_filter(
            queryset,
            category=category.code if category else None,
            delivery_mode=data.get("delivery_mode") or None,
            industry=data.get("industry") or None,
            size_class=data.get("size_class") or None,
            region=data.get("region") or None,
            price_min=data.get("price_min"),
            price_max=data.get("price_max"),
            voucher_eligible=data.get("voucher_eligible"),
            partner=data.get("partner"),
            status=data.get("status") or None,
        )
        text = (data.get("q") or "").strip()
        if text:
            queryset = offering_search(queryset, text=text)
        return offering_order(queryset, ordering=data.get("ordering") or None, searching=bool(text))


DEMAND_ORDERINGS = {
    "newest": ["-created_at", "id"],
    "deadline": ["deadline", "-created_at", "id"],
    "budget": ["-budget_max", "-created_at", "id"],
}


class DemandFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=DemandStatus.choices)
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="code",
        method="filter_category",
        label=_("category code (with its subcategories)"),
    )
    visible_to_partners = StrictBooleanFilter()
    ordering = django_filters.ChoiceFilter(
        choices=[(key, key) for key in DEMAND_ORDERINGS],
        method="order",
        label=_("newest (the default), deadline (soonest first) or budget (largest first)"),
    )

    @extend_schema_field(OpenApiTypes.STR)
    def filter_category(self, queryset, name, category: Category):
        codes = category_descendant_codes(code=category.code)
        return queryset.filter(
            pk__in=queryset.model.categories.through.objects.filter(category_id__in=codes).values("demand_id")
        )

    def order(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        key = self.form.cleaned_data.get("ordering") or "newest"
        fields = [
            F(field[1:]).desc(nulls_last=True) if field.startswith("-") else F(field).asc(nulls_last=True)
            for field in DEMAND_ORDERINGS[key]
        ]
        return queryset.order_by(*fields)


class OfferingRevisionFilter(django_filters.FilterSet):
    # A plain id filter: a model choice over every offering would answer 400 for an unknown id and
    # 200 for another cluster's, telling that it exists.
    offering = django_filters.UUIDFilter(field_name="offering_id")

    class Meta:
        model = OfferingRevision
        fields = ["status", "offering"]
