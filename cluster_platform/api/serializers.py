from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cluster_platform.models import Cluster


def localized_name(name: str, name_en: str | None) -> str:
    """The name in the request's language: English under `Accept-Language: en` where an English
    name exists, the Chinese name otherwise (Chinese is the default and always present)."""
    if name_en and (get_language() or "").startswith("en"):
        return name_en
    return name


@extend_schema_field(OpenApiTypes.STR)
class LocalizedNameField(serializers.Field):
    """`name` of a reference row (category, region, industry, cluster), localised; `name_zh` and
    `name_en` beside it keep both. Reads `name` and `name_en` from an object or a dict."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        if isinstance(value, dict):
            return localized_name(value["name"], value.get("name_en"))
        return localized_name(value.name, getattr(value, "name_en", None))


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
