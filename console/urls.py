"""The console's pages (the admin site at /console/), included by the root URLconf by name so
that the project package does not import this app."""

from django.urls import path

from console.admin import console_site

urlpatterns = [path("", console_site.urls)]
