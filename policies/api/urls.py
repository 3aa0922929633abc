from django.urls import path

from policies.api.views_matching import EnterprisePolicyMatchesView, PolicyCheckView

urlpatterns: list = [
    path(
        "enterprises/<uuid:enterprise_id>/policy-matches/",
        EnterprisePolicyMatchesView.as_view(),
        name="enterprise-policy-matches",
    ),
    path("policy-check/", PolicyCheckView.as_view(), name="policy-check"),
]
