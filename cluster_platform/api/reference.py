"""Public, read-only reference tables: GB/T 2260 regions and GB/T 4754-2017 industries.

They are in-memory tables, not querysets: the views filter a list and page through it with the
standard paginator (a list keeps its order, so paging is deterministic).
"""

from functools import cache

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from cluster_platform.api.pagination import StandardPagination
from cluster_platform.api.serializers import LocalizedNameField
from cluster_platform.reference.industries import (
    CLASS,
    DIVISION,
    GROUP,
    SECTION,
    all_industries,
    get_industry,
)
from cluster_platform.reference.regions import CITY, DISTRICT, PROVINCE, all_regions, get_region


class RegionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = LocalizedNameField()
    name_zh = serializers.CharField(source="name")
    # GB/T 2260 has no official English names: `name` is Chinese in every language.
    name_en = serializers.CharField(allow_null=True, default=None)
    level = serializers.ChoiceField(choices=[PROVINCE, CITY, DISTRICT])
    parent_code = serializers.CharField(allow_null=True)


class IndustrySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = LocalizedNameField()
    name_zh = serializers.CharField(source="name")
    # English names cover the sections, the divisions and the clusters' own groups and classes;
    # elsewhere `name_en` is null and `name` is Chinese in every language.
    name_en = serializers.CharField(allow_null=True)
    level = serializers.ChoiceField(choices=[SECTION, DIVISION, GROUP, CLASS])
    parent_code = serializers.CharField(allow_null=True)


def industry_parent_code(code: str) -> str | None:
    """The nearest ancestor in the table: a class's group, a group's division, a division's section."""
    industries = all_industries()
    for length in (4, 3, 1):
        if length < len(code) and code[:length] in industries:
            return code[:length]
    return None


def _choice(request, name: str, choices: list[str]) -> str | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    if value not in choices:
        raise ValidationError({name: [_("Select one of: %(choices)s.") % {"choices": ", ".join(choices)}]})
    return value


def paginated(name: str, serializer_class) -> serializers.Serializer:
    """The schema of a page of `serializer_class` rows, as the standard paginator answers it
    (these viewsets page plain lists, so drf-spectacular cannot infer it; `many=False` keeps it
    from wrapping a list action's answer in an array)."""
    page_class = type(
        name,
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )
    return extend_schema_serializer(many=False)(page_class)()


SEARCH = OpenApiParameter("search", OpenApiTypes.STR, description="Part of the name")
PARENT = OpenApiParameter("parent", OpenApiTypes.STR, description="Code of the parent entry")
PAGE = OpenApiParameter("page", OpenApiTypes.INT, description="A page number within the result set")
PAGE_SIZE = OpenApiParameter("page_size", OpenApiTypes.INT, description="Rows per page (at most 100)")
CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)


class ReferenceViewSet(viewsets.ViewSet):
    permission_classes = [AllowAny]
    authentication_classes = []
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z]+"

    def _paginated(self, request, rows: list[dict], serializer_class):
        paginator = StandardPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)


class RegionViewSet(ReferenceViewSet):
    """GB/T 2260 administrative divisions current in python-stdnum's table."""

    @extend_schema(
        parameters=[
            PARENT,
            OpenApiParameter("level", OpenApiTypes.STR, enum=[PROVINCE, CITY, DISTRICT]),
            SEARCH,
            PAGE,
            PAGE_SIZE,
        ],
        responses=paginated("PaginatedRegionList", RegionSerializer),
    )
    def list(self, request):
        level = _choice(request, "level", [PROVINCE, CITY, DISTRICT])
        parent = request.query_params.get("parent") or None
        search = (request.query_params.get("search") or "").strip()
        rows = [
            region.__dict__
            for code, region in sorted(all_regions().items())
            if (level is None or region.level == level)
            and (parent is None or region.parent_code == parent)
            and (not search or search in region.name)
        ]
        return self._paginated(request, rows, RegionSerializer)

    @extend_schema(parameters=[CODE], responses=RegionSerializer)
    def retrieve(self, request, code=None):
        region = get_region(code)
        if region is None:
            raise NotFound()
        return Response(RegionSerializer(region.__dict__).data)


def _industry_row(industry) -> dict:
    return {
        "code": industry.code,
        "name": industry.name,
        "name_en": industry.name_en or None,
        "level": industry.level,
        "parent_code": industry_parent_code(industry.code),
    }


@cache
def _industry_rows() -> tuple[dict, ...]:
    """Every industry as the API answers it, in code order, built once per process: the complete
    table has ~2,000 rows, and building them on each request cost more than the filtering."""
    return tuple(_industry_row(industry) for _code, industry in sorted(all_industries().items()))


class IndustryViewSet(ReferenceViewSet):
    """GB/T 4754-2017 industries: every section, division, group and class."""

    @extend_schema(
        parameters=[
            PARENT,
            OpenApiParameter("level", OpenApiTypes.STR, enum=[SECTION, DIVISION, GROUP, CLASS]),
            SEARCH,
            PAGE,
            PAGE_SIZE,
        ],
        responses=paginated("PaginatedIndustryList", IndustrySerializer),
    )
    def list(self, request):
        level = _choice(request, "level", [SECTION, DIVISION, GROUP, CLASS])
        parent = request.query_params.get("parent") or None
        search = (request.query_params.get("search") or "").strip().lower()
        rows = [
            row
            for row in _industry_rows()
            if (level is None or row["level"] == level)
            and (parent is None or row["parent_code"] == parent)
            and (not search or search in row["name"] or search in (row["name_en"] or "").lower())
        ]
        return self._paginated(request, rows, IndustrySerializer)

    @extend_schema(parameters=[CODE], responses=IndustrySerializer)
    def retrieve(self, request, code=None):
        industry = get_industry(code)
        if industry is None:
            raise NotFound()
        return Response(IndustrySerializer(_industry_row(industry)).data)
