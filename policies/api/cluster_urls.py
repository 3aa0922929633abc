from rest_framework.routers import DefaultRouter

from policies.api.views_matching import MemberPolicyMatchesViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("members", MemberPolicyMatchesViewSet, basename="member-policy-matches")

urlpatterns: list = [*router.urls]
