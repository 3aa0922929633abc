from rest_framework.routers import DefaultRouter

from enterprises.api.assessments import AssessmentViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("assessments", AssessmentViewSet, basename="assessment")

urlpatterns = router.urls
