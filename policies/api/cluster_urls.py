from django.urls import re_path
from rest_framework.routers import DefaultRouter
from rest_framework.urlpatterns import format_suffix_patterns

from policies.api.views.eligibility import MemberPolicyMatchesViewSet
from policies.api.views.library import ClusterPolicyImportJobViewSet, ClusterPolicyViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("policies", ClusterPolicyViewSet, basename="cluster-policy")
router.register("policy-imports", ClusterPolicyImportJobViewSet, basename="cluster-policy-import")

# `members/` belongs to the enterprises app's member directory; policies adds only this one
# action below it, routed by hand (with the name and initkwargs the router would give it)
# rather than registering a second viewset under the same prefix.
member_policy_matches = MemberPolicyMatchesViewSet.as_view(
    {"get": "policy_matches"},
    **MemberPolicyMatchesViewSet.policy_matches.kwargs,
    basename="member-policy-matches",
    detail=True,
)
member_urls = format_suffix_patterns(
    [
        re_path(
            rf"^members/(?P<enterprise_id>{MemberPolicyMatchesViewSet.lookup_value_regex})/policy-matches/$",
            member_policy_matches,
            name="member-policy-matches-policy-matches",
        )
    ]
)

urlpatterns = [*router.urls, *member_urls]
