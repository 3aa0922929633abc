from rest_framework.routers import DefaultRouter

from devices.api.views.alarms import AlarmRuleViewSet, AlarmViewSet
from devices.api.views.registry import DeadLetterViewSet, DeviceViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("devices", DeviceViewSet, basename="device")
router.register("device-alarm-rules", AlarmRuleViewSet, basename="device-alarm-rule")
router.register("device-alarms", AlarmViewSet, basename="device-alarm")
router.register("device-dead-letters", DeadLetterViewSet, basename="device-dead-letter")

urlpatterns = router.urls
