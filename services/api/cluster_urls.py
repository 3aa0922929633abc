from rest_framework.routers import DefaultRouter

from services.api.cluster_urls_delivery import urlpatterns as delivery_urlpatterns
from services.api.views import (
    DemandViewSet,
    OfferingModerationViewSet,
    OfferingRevisionViewSet,
    OfferingViewSet,
)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("offerings", OfferingViewSet, basename="offering")
router.register("offering-revisions", OfferingRevisionViewSet, basename="offering-revision")
router.register("moderation/offerings", OfferingModerationViewSet, basename="moderation-offering")
router.register("demands", DemandViewSet, basename="demand")

urlpatterns = [*router.urls, *delivery_urlpatterns]
