"""OpenAPI schema tweaks that make Swagger UI usable: tags per resource, one clear token scheme.

The default tag of drf-spectacular is the first path segment, which is `v1` for every endpoint
here; grouping by resource (`memberships`, `offerings`, ...) instead, in the order of
`SPECTACULAR_SETTINGS["TAGS"]`, puts related operations together. The security scheme for knox
tokens says what to paste into "Authorize", because the `Token ` prefix is easy to miss.
"""

import re

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema

# /api/v1/ and, for cluster routes, /api/v1/clusters/{cluster_slug}/
_PREFIX = re.compile(r"^/api/v\d+/(?:clusters/\{[^}/]+\}/)?")

TOKEN_SCHEME = "tokenAuth"


def resource_tag(path: str) -> str:
    """The resource an API path belongs to: its first segment after the (cluster) prefix."""
    rest = _PREFIX.sub("", path)
    segment = next((part for part in rest.split("/") if part and not part.startswith("{")), "")
    return segment or "clusters"


class AutoSchema(StandardizedErrorsAutoSchema):
    """drf-standardized-errors' schema (the error responses), tagged by resource."""

    def get_tags(self) -> list[str]:
        return [resource_tag(self.path)]


class ReportSchema(AutoSchema):
    """For a `list` route that answers one object (a report such as the KPIs), not rows."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class KnoxTokenScheme(OpenApiAuthenticationExtension):
    target_class = "cluster_platform.api.authentication.PlatformTokenAuthentication"
    name = TOKEN_SCHEME
    priority = 1  # over drf-spectacular's own knox extension

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "Sign in with `POST /api/v1/auth/login/`, then enter `Token <token>` here: "
                "the word `Token`, a space, then the `token` from the answer."
            ),
        }
