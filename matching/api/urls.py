from django.urls import include, path

urlpatterns = [
    # The questionnaire of the digital-maturity assessment (enterprise registry).
    path("", include("enterprises.api.assessment_urls")),
]
