from django.urls import path
from rest_framework.routers import DefaultRouter

from matching.api.views import MatchingWeightsViewSet, MatchRunViewSet, RecommendationViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("recommendations", RecommendationViewSet, basename="recommendation")
router.register("match-runs", MatchRunViewSet, basename="match-run")

urlpatterns = [
    path(
        "matching-weights/",
        MatchingWeightsViewSet.as_view({"get": "current", "put": "change", "patch": "change"}),
        name="matching-weights",
    ),
    *router.urls,
]
