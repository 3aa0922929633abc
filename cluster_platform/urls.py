from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from cluster_platform.api import schema  # noqa: F401  (registers the token scheme for the docs)
from cluster_platform.api.throttling import sign_in_throttled
from cluster_platform.api.views import api_root

# Every cluster-owned resource lives under this prefix; the isolation tests walk it.
CLUSTER_PREFIX = "api/v1/clusters/<slug:cluster_slug>/"

# Each app routes its own views.
cluster_urlpatterns = [
    path("", include("cluster_platform.api.cluster_urls")),
    path("", include("enterprises.api.cluster_urls")),
    path("", include("services.api.cluster_urls")),
    path("", include("policies.api.cluster_urls")),
    path("", include("matching.api.cluster_urls")),
    path("", include("programmes.api.cluster_urls")),
    path("", include("devices.api.cluster_urls")),
    path("", include("console.api.cluster_urls")),
]

urlpatterns = [
    # The session logins take passwords like the token login and get its limits (per address and
    # per account). These patterns come first, so they answer for the admin's and DRF's own URLs.
    path("admin/login/", sign_in_throttled(admin.site.login)),
    path(
        "api-auth/login/",
        sign_in_throttled(LoginView.as_view(template_name="rest_framework/login.html")),
    ),
    path("admin/", admin.site.urls),
    path("console/", include("console.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api_root, name="api-root"),
    path("api/v1/", include("cluster_platform.api.urls")),
    path("api/v1/", include("enterprises.api.urls")),
    path("api/v1/", include("services.api.urls")),
    path("api/v1/", include("policies.api.urls")),
    path("api/v1/", include("devices.api.urls")),
    path("api/v1/", include("console.api.urls")),
    path(CLUSTER_PREFIX, include(cluster_urlpatterns)),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api-auth/", include("rest_framework.urls")),
]

handler400 = "cluster_platform.api.errors.json_bad_request"
handler404 = "cluster_platform.api.errors.json_not_found"
handler500 = "cluster_platform.api.errors.json_server_error"
