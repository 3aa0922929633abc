from rest_framework.routers import DefaultRouter

from console.api.views.clusters import ClusterViewSet
from console.api.views.stats import PlatformStatsViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("clusters", ClusterViewSet, basename="cluster")
router.register("stats", PlatformStatsViewSet, basename="platform-stats")

urlpatterns = router.urls
