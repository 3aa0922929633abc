from rest_framework.routers import DefaultRouter

from cluster_platform.api.views import ClusterViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("clusters", ClusterViewSet, basename="cluster")

urlpatterns = router.urls
