from django.urls import path
from rest_framework.routers import DefaultRouter

from devices.api.views.registry import DeviceTypeViewSet
from devices.api.views.telemetry import TelemetryIngestView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("device-types", DeviceTypeViewSet, basename="device-type")

urlpatterns = [*router.urls, path("telemetry/", TelemetryIngestView.as_view(), name="telemetry-ingest")]
