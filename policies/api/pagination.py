import math

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from cluster_platform.api.pagination import StandardPagination
from policies.selectors import PolicySearchResult


class PolicySearchPagination(StandardPagination):
    """Pages over a search result whose count may be an estimate, with the facets alongside.

    When the count is an estimate (`count_exact` false) only the first pages of a very broad
    query can be reached; the client narrows the query or the filters instead.
    """

    max_reachable = 2000

    def paginate_search(self, result: PolicySearchResult, request, view=None):
        self.request = request
        self.result = result
        size = self.get_page_size(request) or self.page_size
        try:
            number = int(request.query_params.get(self.page_query_param, 1))
        except ValueError:
            number = 0
        reachable = result.count if result.count_exact else min(result.count, self.max_reachable)
        self.pages = max(1, math.ceil(reachable / size))
        if number < 1 or number > self.pages:
            raise NotFound(_("Invalid page."))
        self.number = number
        offset = (number - 1) * size
        return list(result.policies[offset : offset + size])

    def get_paginated_response(self, data):
        url = self.request.build_absolute_uri()
        next_url = (
            replace_query_param(url, self.page_query_param, self.number + 1)
            if self.number < self.pages
            else None
        )
        if self.number <= 1:
            previous_url = None
        elif self.number == 2:
            previous_url = remove_query_param(url, self.page_query_param)
        else:
            previous_url = replace_query_param(url, self.page_query_param, self.number - 1)
        return Response(
            {
                "count": self.result.count,
                "count_exact": self.result.count_exact,
                "next": next_url,
                "previous": previous_url,
                "facets": self.result.facets,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        counts = {"type": "object", "additionalProperties": {"type": "integer"}}
        return {
            "type": "object",
            "required": ["count", "count_exact", "results", "facets"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "count_exact": {"type": "boolean"},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "facets": {
                    "type": "object",
                    "properties": {"level": counts, "category": counts},
                },
                "results": schema,
            },
        }
