from django.urls import path
from rest_framework.routers import DefaultRouter

from policies.api.views.eligibility import EnterprisePolicyMatchesView, PolicyCheckView
from policies.api.views.library import PolicyCategoryListView, PolicyImportJobViewSet, PolicyViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("policies", PolicyViewSet, basename="policy")
router.register("policy-imports", PolicyImportJobViewSet, basename="policy-import")

urlpatterns = [
    path("policy-categories/", PolicyCategoryListView.as_view(), name="policy-categories"),
    path(
        "enterprises/<uuid:enterprise_id>/policy-matches/",
        EnterprisePolicyMatchesView.as_view(),
        name="enterprise-policy-matches",
    ),
    path("policy-check/", PolicyCheckView.as_view(), name="policy-check"),
    *router.urls,
]
