import copy
import functools

from django.conf import settings
from django.db.models import Model
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject

from cluster_platform.models import Cluster


def speaks_english() -> bool:
    return (get_language() or "").startswith("en")


def localized_name(name: str, name_en: str | None, *, english: bool | None = None) -> str:
    """The name in the request's language: English under `Accept-Language: en` where an English
    name exists, the Chinese name otherwise (Chinese is the default and always present)."""
    if english is None:
        english = speaks_english()
    if name_en and english:
        return name_en
    return name


# Output of a serializer without DRF's per-request and per-value overheads; the same output.
#
# Profiling the public lists (catalog, policy library; bench/api) showed the CPU of a page going
# to the framework rather than to the data:
#
# - a ModelSerializer introspects its model (column kinds, choices, validators) each time it is
#   instantiated, that is on every request. Here the fields built the first time are kept on
#   the class as prototypes and each instance gets deep copies, as DRF already does for
#   declared fields;
# - each value is read through DRF's generic attribute walk (mappings, dotted sources,
#   callables). A field with DRF's own `get_attribute` whose source is one column of the
#   model instance is read with `getattr`, which is what the walk ends up doing for it;
# - a DateTimeField looks the current time zone up through a context-local for every value.
#   It is looked up once per serializer, which lives within one request.
#
# Only for serializers whose fields depend on the class alone (no `get_fields` override that
# reads the context, the request or the instance).
#
# (A comment rather than a docstring: drf-spectacular would show a docstring in the schema of
# every serializer that uses the mixin.)
class FastOutputMixin:
    def get_fields(self):
        cls = type(self)
        # Looked up on the class itself, so that a subclass builds its own.
        prototypes = cls.__dict__.get("_prototype_fields")
        if prototypes is None:
            prototypes = super().get_fields()
            cls._prototype_fields = prototypes
        return copy.deepcopy(prototypes)

    @cached_property
    def _readable_fields(self):
        fields = [field for field in self.fields.values() if not field.write_only]
        current = timezone.get_current_timezone() if settings.USE_TZ else None
        for field in fields:
            if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone"):
                field.timezone = current
        return fields

    @cached_property
    def _column_sources(self) -> dict:
        """field -> the attribute it reads, for the fields whose value is one attribute read as is."""
        return {
            field: field.source_attrs[0]
            for field in self._readable_fields
            if type(field).get_attribute is Field.get_attribute and len(field.source_attrs) == 1
        }

    def to_representation(self, instance):
        return self.represent(instance, self._readable_fields)

    def represent(self, instance, fields) -> dict:
        """DRF's `to_representation` over `fields` only, in their order (a serializer leaves fields
        out this way without computing them)."""
        columns = _column_names(type(instance)) if isinstance(instance, Model) else frozenset()
        sources = self._column_sources
        data = {}
        for field in fields:
            source = sources.get(field)
            attribute = getattr(instance, source, _UNREAD) if source in columns else _UNREAD
            if attribute is _UNREAD:
                # Everything else, and the unusual cases (a missing related row), goes DRF's way.
                try:
                    attribute = field.get_attribute(instance)
                except SkipField:
                    continue
            value = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            data[field.field_name] = None if value is None else field.to_representation(attribute)
        return data


_UNREAD = object()


@functools.cache
def _column_names(model: type[Model]) -> frozenset:
    """The names under which a model instance holds its column values (a foreign key's name
    gives the related object, as DRF's walk would)."""
    return frozenset(field.name for field in model._meta.concrete_fields)


@extend_schema_field(OpenApiTypes.STR)
class LocalizedNameField(serializers.Field):
    """`name` of a reference row (category, region, industry, cluster), localised; `name_zh` and
    `name_en` beside it keep both. Reads `name` and `name_en` from an object or a dict."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    @cached_property
    def english(self) -> bool:
        # Once per serializer, not per row: a serializer lives within one request, whose
        # language does not change (the lookup goes through a context-local, on every row).
        return speaks_english()

    def to_representation(self, value):
        if isinstance(value, dict):
            return localized_name(value["name"], value.get("name_en"), english=self.english)
        return localized_name(value.name, getattr(value, "name_en", None), english=self.english)


class ClusterSerializer(serializers.ModelSerializer):
    name = LocalizedNameField()
    name_zh = serializers.CharField(source="name", read_only=True)

    class Meta:
        model = Cluster
        fields = [
            "id",
            "slug",
            "name",
            "name_zh",
            "name_en",
            "region_code",
            "industry_focus",
            "agency_name",
            "description",
        ]
