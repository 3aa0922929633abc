from rest_framework.routers import DefaultRouter

from cluster_platform.api.cluster_views import AuditLogViewSet, ClusterStaffViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("staff", ClusterStaffViewSet, basename="cluster-staff")
router.register("audit-log", AuditLogViewSet, basename="audit-log")

urlpatterns = router.urls
