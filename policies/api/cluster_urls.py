from rest_framework.routers import DefaultRouter

from policies.api.views import ClusterPolicyImportJobViewSet, ClusterPolicyViewSet
from policies.api.views_matching import MemberPolicyMatchesViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("policies", ClusterPolicyViewSet, basename="cluster-policy")
router.register("policy-imports", ClusterPolicyImportJobViewSet, basename="cluster-policy-import")
router.register("members", MemberPolicyMatchesViewSet, basename="member-policy-matches")

urlpatterns = router.urls
