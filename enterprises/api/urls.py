from django.urls import path
from rest_framework.routers import DefaultRouter

from enterprises.api.assessments import QuestionnaireView
from enterprises.api.views import EnterpriseViewSet, ReceivedInvitationViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("me/invitations", ReceivedInvitationViewSet, basename="invitation")

urlpatterns = [
    *router.urls,
    path(
        "assessment-questionnaires/<str:version>/",
        QuestionnaireView.as_view(),
        name="assessment-questionnaire",
    ),
]
