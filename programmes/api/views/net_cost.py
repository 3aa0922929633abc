from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from cluster_platform.api.permissions import IsClusterSME
from cluster_platform.api.tenancy import ClusterScopedViewSet
from programmes.api.serializers.programmes import NetCostQuerySerializer
from programmes.selectors.net_cost import offering_net_cost
from services.api.serializers.net_cost import NetCostSerializer
from services.api.views.lookups import acting_enterprise
from services.models import Offering, OfferingStatus


class NetCostViewSet(ClusterScopedViewSet):
    """What the SME pays for a published offering after every subsidy it can stack."""

    model = Offering
    pagination_class = None
    filter_backends = []
    action_permissions = {"list": [IsClusterSME]}

    def scoped_queryset(self):
        return Offering.objects.filter(status=OfferingStatus.PUBLISHED).select_related("category")

    @extend_schema(parameters=[NetCostQuerySerializer], responses={200: NetCostSerializer})
    def list(self, request, *args, **kwargs):
        query = NetCostQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        sme = acting_enterprise(
            requested=query.validated_data.get("sme"), allowed=self.roles.sme_enterprise_ids, field="sme"
        )
        offering = self.get_queryset().filter(pk=query.validated_data["offering"]).first()
        if offering is None:
            raise ValidationError({"offering": [_("Not found in this cluster.")]})
        result = offering_net_cost(cluster=self.cluster, offering=offering, sme=sme)
        return Response(NetCostSerializer(result).data)
