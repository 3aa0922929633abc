from rest_framework.routers import DefaultRouter

from cluster_platform.api.audit import AuditLogViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("audit-log", AuditLogViewSet, basename="audit-log")

urlpatterns = router.urls
