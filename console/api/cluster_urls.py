from rest_framework.routers import DefaultRouter

from console.api.views import exports
from console.api.views.stats import ClusterStatsViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("stats", ClusterStatsViewSet, basename="cluster-stats")
router.register("exports/members", exports.MemberExportViewSet, basename="export-members")
router.register("exports/offerings", exports.OfferingExportViewSet, basename="export-offerings")
router.register("exports/demands", exports.DemandExportViewSet, basename="export-demands")
router.register("exports/engagements", exports.EngagementExportViewSet, basename="export-engagements")
router.register("exports/bookings", exports.BookingExportViewSet, basename="export-bookings")
router.register("exports/policy-matches", exports.PolicyMatchExportViewSet, basename="export-policy-matches")
router.register("exports/audit-log", exports.AuditLogExportViewSet, basename="export-audit-log")

urlpatterns = router.urls
