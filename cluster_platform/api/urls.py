from django.urls import path
from rest_framework.routers import DefaultRouter

from cluster_platform.api import accounts
from cluster_platform.api.notifications import NotificationViewSet
from cluster_platform.api.reference import IndustryViewSet, RegionViewSet
from cluster_platform.api.status import LivenessView, ReadinessView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
# "clusters" (the public list and the operators' platform operations) is routed by console.api.urls.
router.register("notifications", NotificationViewSet, basename="notification")
router.register("reference/regions", RegionViewSet, basename="reference-region")
router.register("reference/industries", IndustryViewSet, basename="reference-industry")

urlpatterns = [
    path("status/", ReadinessView.as_view(), name="status-ready"),
    path("status/live/", LivenessView.as_view(), name="status-live"),
    path("auth/register/", accounts.RegisterView.as_view(), name="auth-register"),
    path("auth/login/", accounts.LoginView.as_view(), name="auth-login"),
    path("auth/logout/", accounts.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", accounts.LogoutAllView.as_view(), name="auth-logout-all"),
    path("me/", accounts.MeView.as_view(), name="me"),
    path("me/password/", accounts.PasswordChangeView.as_view(), name="me-password"),
    *router.urls,
]
