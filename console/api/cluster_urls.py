from rest_framework.routers import DefaultRouter

from console.api.exports import EXPORTS
from console.api.views.export_jobs import ExportJobViewSet
from console.api.views.exports import export_viewset
from console.api.views.stats import ClusterStatsViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("stats", ClusterStatsViewSet, basename="cluster-stats")
for export in EXPORTS:
    router.register(f"exports/{export.name}", export_viewset(export), basename=f"export-{export.name}")
router.register("export-jobs", ExportJobViewSet, basename="export-job")

urlpatterns = router.urls
