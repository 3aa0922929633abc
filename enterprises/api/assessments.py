"""API for digital-maturity assessments: cluster-scoped (an SME member assesses itself in a cluster;
that cluster's agency sees its members' assessments and their uplift), plus the questionnaire."""

import django_filters
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from cluster_platform.api.permissions import IsClusterSME, IsClusterStaff
from cluster_platform.api.tenancy import ClusterScopedViewSet
from enterprises.assessment import CURRENT_VERSION, questionnaire_load, questionnaire_versions
from enterprises.models import Assessment, Enterprise
from enterprises.selectors.assessments import assessment_list, assessment_uplift_list
from enterprises.services.assessments import assessment_submit


class AssessmentSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    score = serializers.DecimalField(max_digits=4, decimal_places=1, coerce_to_string=False)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "questionnaire_version",
            "answers",
            "score",
            "level",
            "dimension_scores",
            "weakest_dimensions",
            "created_at",
        ]
        read_only_fields = fields


class AssessmentInputSerializer(serializers.Serializer):
    enterprise = serializers.UUIDField(
        required=False, help_text=_("Your SME enterprise; may be left out when you act for only one.")
    )
    questionnaire_version = serializers.CharField(max_length=16, default=CURRENT_VERSION)
    answers = serializers.JSONField(
        help_text=_("Question code -> option code (or a list of option codes for several-answer questions).")
    )


class UpliftSerializer(serializers.ModelSerializer):
    enterprise = serializers.UUIDField(source="id")
    first_assessment = serializers.UUIDField(source="first_assessment_id")
    first_score = serializers.DecimalField(max_digits=4, decimal_places=1, coerce_to_string=False)
    first_level = serializers.IntegerField()
    first_at = serializers.DateTimeField()
    latest_assessment = serializers.UUIDField(source="latest_assessment_id")
    latest_score = serializers.DecimalField(max_digits=4, decimal_places=1, coerce_to_string=False)
    latest_level = serializers.IntegerField()
    latest_at = serializers.DateTimeField()
    score_uplift = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)
    level_uplift = serializers.IntegerField()

    class Meta:
        model = Enterprise
        fields = [
            "enterprise",
            "name",
            "first_assessment",
            "first_score",
            "first_level",
            "first_at",
            "latest_assessment",
            "latest_score",
            "latest_level",
            "latest_at",
            "score_uplift",
            "level_uplift",
        ]


class AssessmentFilter(django_filters.FilterSet):
    # A UUID filter, not a choice filter that would check ids against every enterprise.
    enterprise = django_filters.UUIDFilter(field_name="enterprise_id")

    class Meta:
        model = Assessment
        fields = ["enterprise", "level"]


class AssessmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ClusterScopedViewSet
):
    """Digital-maturity self-assessments in this cluster. An SME member sees and submits its own;
    agency staff see every member's, and the uplift between each member's first and latest."""

    model = Assessment
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter
    ordering_fields = ["created_at", "score"]
    action_permissions = {
        "list": [IsClusterStaff | IsClusterSME],
        "retrieve": [IsClusterStaff | IsClusterSME],
        "create": [IsClusterSME],
        "uplift": [IsClusterStaff],
    }

    def scoped_queryset(self):
        if self.roles.is_staff:
            return assessment_list(cluster=self.cluster)
        return assessment_list(cluster=self.cluster, enterprise_ids=self.roles.sme_enterprise_ids)

    @extend_schema(request=AssessmentInputSerializer, responses={201: AssessmentSerializer})
    def create(self, request, *args, **kwargs):
        data = AssessmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise_id = data.validated_data.get("enterprise")
        own = self.roles.sme_enterprise_ids
        if enterprise_id is None:
            if len(own) != 1:
                raise serializers.ValidationError(
                    {"enterprise": [_("Say which of your enterprises this assessment is for.")]}
                )
            (enterprise_id,) = own
        elif enterprise_id not in own:
            raise serializers.ValidationError(
                {"enterprise": [_("You can only assess an enterprise you act for as an SME member here.")]}
            )
        assessment = assessment_submit(
            cluster=self.cluster,
            enterprise=Enterprise.objects.get(pk=enterprise_id),
            answers=data.validated_data["answers"],
            questionnaire_version=data.validated_data["questionnaire_version"],
            by=request.user,
        )
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=UpliftSerializer(many=True), filters=False)
    @action(detail=False, methods=["get"], filterset_class=None, ordering_fields=[])
    def uplift(self, request, *args, **kwargs):
        """Each SME member's first and latest assessment here, and the uplift between them."""
        queryset = assessment_uplift_list(cluster=self.cluster)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(UpliftSerializer(page, many=True).data)


class QuestionnaireView(APIView):
    """The digital-maturity questionnaire of a version ("current" for the one new assessments use)."""

    @extend_schema(
        responses=inline_serializer(
            name="Questionnaire",
            fields={
                "version": serializers.CharField(),
                "versions": serializers.ListField(child=serializers.CharField()),
                "title": serializers.CharField(),
                "levels": serializers.JSONField(),
                "dimensions": serializers.JSONField(),
                "questions": serializers.JSONField(),
            },
        ),
        parameters=[],
    )
    def get(self, request, version: str):
        try:
            questionnaire = questionnaire_load(CURRENT_VERSION if version == "current" else version)
        except KeyError:
            raise Http404 from None
        return Response({**questionnaire, "versions": questionnaire_versions()})
