import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework.filters import OrderingFilter


class StableOrderingFilter(OrderingFilter):
    """?ordering= with the id appended, so that pages stay deterministic when sort keys tie."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering and not any(field.lstrip("-") in ("id", "pk") for field in ordering):
            ordering = [*ordering, "id"]
        return ordering


class StrictBooleanField(forms.NullBooleanField):
    # A plain text input: the usual boolean widgets already turn an unknown value into None.
    widget = forms.TextInput

    """A yes/no query parameter that refuses what it does not understand (`?verified=maybe` is a
    400), where Django's NullBooleanField reads anything unknown as "not given" and filters nothing."""

    TRUE = {"true", "1", "yes", "on"}
    FALSE = {"false", "0", "no", "off"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(_("Enter true or false."), code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs["widget"] = forms.TextInput
        super().__init__(*args, **kwargs)
