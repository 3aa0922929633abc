from rest_framework.routers import DefaultRouter

from services.api import views_delivery as views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("engagements", views.EngagementViewSet, basename="engagement")
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("partner-ratings", views.PartnerRatingViewSet, basename="partner-rating")
router.register("machines", views.MachineViewSet, basename="machine")
router.register("moderation/machines", views.MachineModerationViewSet, basename="machine-moderation")
router.register("bookings", views.BookingViewSet, basename="booking")

urlpatterns = router.urls
