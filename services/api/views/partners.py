from rest_framework import mixins
from rest_framework.response import Response

from cluster_platform.api.permissions import ReadOnly
from cluster_platform.api.tenancy import ClusterScopedViewSet
from enterprises.models import Enterprise
from services.api.serializers.partners import PartnerProfileSerializer
from services.selectors.partners import partner_profile_list
from services.selectors.reputation import partner_uplift_stats


class PartnerProfileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    """Partners' public profiles in this cluster, with their clients' measured uplift.

    Public like the catalog: partners in good standing (the agency also sees suspended and expired
    ones). Figures count this cluster's engagements, reviews and assessments only."""

    model = Enterprise
    cluster_field = "memberships__cluster"
    serializer_class = PartnerProfileSerializer
    filter_backends: list = []
    permission_classes = [ReadOnly]

    def scoped_queryset(self):
        # The base joins memberships to filter by cluster: a partner that is also an SME member
        # would appear twice without distinct().
        return partner_profile_list(cluster=self.cluster, roles=self.roles).distinct()

    uplift: dict | None = None

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["uplift"] = self.uplift or {}
        return context

    def _measure(self, partners) -> None:
        # One pass over this cluster's engagements and assessments for the page's partners.
        self.uplift = partner_uplift_stats(cluster=self.cluster, partner_ids=[p.pk for p in partners])

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        self._measure(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        partner = self.get_object()
        self._measure([partner])
        return Response(self.get_serializer(partner).data)
