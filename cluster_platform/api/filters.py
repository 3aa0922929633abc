from rest_framework.filters import OrderingFilter


class StableOrderingFilter(OrderingFilter):
    """?ordering= with the id appended, so that pages stay deterministic when sort keys tie."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering and not any(field.lstrip("-") in ("id", "pk") for field in ordering):
            ordering = [*ordering, "id"]
        return ordering
