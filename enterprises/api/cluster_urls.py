from rest_framework.routers import DefaultRouter

from cluster_platform.api.cluster_views import AuditLogViewSet, ClusterStaffViewSet
from enterprises.api.cluster_views import MemberDirectoryViewSet, MembershipViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("memberships", MembershipViewSet, basename="membership")
router.register("members", MemberDirectoryViewSet, basename="member")
# The staff roster and audit log belong to the tenancy core; they are routed with the memberships.
router.register("staff", ClusterStaffViewSet, basename="cluster-staff")
router.register("audit-log", AuditLogViewSet, basename="audit-log")

urlpatterns = router.urls
