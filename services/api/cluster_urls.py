from rest_framework.routers import DefaultRouter

from services.api.views.catalog import OfferingModerationViewSet, OfferingRevisionViewSet, OfferingViewSet
from services.api.views.demands import DemandViewSet
from services.api.views.engagements import EngagementViewSet, PartnerRatingViewSet, ReviewViewSet
from services.api.views.equipment import BookingViewSet, MachineModerationViewSet, MachineViewSet
from services.api.views.partners import PartnerProfileViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("offerings", OfferingViewSet, basename="offering")
router.register("offering-revisions", OfferingRevisionViewSet, basename="offering-revision")
router.register("moderation/offerings", OfferingModerationViewSet, basename="moderation-offering")
router.register("demands", DemandViewSet, basename="demand")
router.register("engagements", EngagementViewSet, basename="engagement")
router.register("reviews", ReviewViewSet, basename="review")
router.register("partner-ratings", PartnerRatingViewSet, basename="partner-rating")
router.register("partner-profiles", PartnerProfileViewSet, basename="partner-profile")
router.register("machines", MachineViewSet, basename="machine")
router.register("moderation/machines", MachineModerationViewSet, basename="machine-moderation")
router.register("bookings", BookingViewSet, basename="booking")

urlpatterns = router.urls
