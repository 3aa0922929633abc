from rest_framework.routers import DefaultRouter

from cluster_platform.api.reference import IndustryViewSet, RegionViewSet
from enterprises.api.views import EnterpriseViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
# The reference tables are the tenancy core's; they are routed here with the registry that uses them.
router.register("reference/regions", RegionViewSet, basename="reference-region")
router.register("reference/industries", IndustryViewSet, basename="reference-industry")

urlpatterns = router.urls
