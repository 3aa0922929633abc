from rest_framework.routers import DefaultRouter

from console.api.views.stats import ClusterStatsViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("stats", ClusterStatsViewSet, basename="cluster-stats")

urlpatterns = router.urls
