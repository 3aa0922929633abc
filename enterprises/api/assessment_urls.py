from django.urls import path

from enterprises.api.assessments import QuestionnaireView

urlpatterns = [
    path(
        "assessment-questionnaires/<str:version>/",
        QuestionnaireView.as_view(),
        name="assessment-questionnaire",
    ),
]
