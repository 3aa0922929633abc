from rest_framework.routers import DefaultRouter

from enterprises.api.assessments import AssessmentViewSet
from enterprises.api.cluster_views import MemberDirectoryViewSet, MembershipViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("memberships", MembershipViewSet, basename="membership")
router.register("members", MemberDirectoryViewSet, basename="member")
router.register("assessments", AssessmentViewSet, basename="assessment")

urlpatterns = router.urls
