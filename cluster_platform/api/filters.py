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


class FormOnceFilterSet(django_filters.FilterSet):
    """A FilterSet whose form class is built once per class rather than on every request.

    django-filter creates a new Django form class from the filters' fields for each request,
    running the form metaclass every time; on the public lists that was a tenth of the request's
    CPU (bench/api). Each request still gets its own form instance (Django deep-copies the
    fields into it) and its own filters. Only for filter sets whose fields depend on the class
    alone (no queryset computed from the request).
    """

    def get_form_class(self):
        cls = type(self)
        # Looked up on the class itself, so that a subclass builds its own.
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            cls._form_class = form_class
        return form_class
