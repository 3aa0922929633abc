"""The console's pages (the admin site at /console/), included by the root URLconf by name so
that the project package does not import this app."""

from django.urls import path

from cluster_platform.api.throttling import sign_in_throttled
from console.admin import console_site

urlpatterns = [
    # Agency staff sign in with a password here too: the same limits as every other sign-in door.
    path("login/", sign_in_throttled(console_site.login)),
    path("", console_site.urls),
]
