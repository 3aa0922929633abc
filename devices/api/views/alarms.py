from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from cluster_platform.api.permissions import IsClusterMember, IsClusterStaff
from cluster_platform.api.tenancy import ClusterScopedViewSet
from devices.api.filters import AlarmFilter
from devices.api.serializers.registry import AlarmRuleSerializer, AlarmRuleWriteSerializer, AlarmSerializer
from devices.models import Alarm, AlarmRule, Device
from devices.selectors import alarms as selectors
from devices.services import alarms as services
from enterprises.models import Enterprise


class AlarmRuleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ClusterScopedViewSet
):
    """Alarm rules on one device or on every device of a type: value above/below a threshold for
    N seconds, or offline for N seconds. Owners write them; the agency reads them."""

    model = AlarmRule
    serializer_class = AlarmRuleSerializer
    action_permissions = {
        "list": [IsClusterStaff | IsClusterMember],
        "retrieve": [IsClusterStaff | IsClusterMember],
        "create": [IsClusterMember],
        "deactivate": [IsClusterMember],
    }

    def scoped_queryset(self):
        return selectors.alarm_rule_list(roles=self.roles)

    @extend_schema(request=AlarmRuleWriteSerializer, responses={201: AlarmRuleSerializer})
    def create(self, request, *args, **kwargs):
        data = AlarmRuleWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        own = self.roles.sme_enterprise_ids | self.roles.partner_enterprise_ids
        if "device" in values:
            device = Device.objects.filter(
                pk=values["device"], cluster=self.cluster, enterprise_id__in=own
            ).first()
            if device is None:
                raise ValidationError({"device": [_("Not one of your devices here.")]})
            values["device"] = device
            enterprise = device.enterprise
        elif len(own) == 1:
            enterprise = Enterprise.objects.get(pk=next(iter(own)))
        else:
            raise ValidationError({"device": [_("Name one of your devices.")]})
        rule = services.alarm_rule_create(cluster=self.cluster, enterprise=enterprise, data=values)
        return Response(self.get_serializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None, responses=AlarmRuleSerializer, summary="Stop a rule (its active alarms clear)"
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, *args, **kwargs):
        rule = self.get_object()
        if rule.enterprise_id not in (self.roles.sme_enterprise_ids | self.roles.partner_enterprise_ids):
            raise PermissionDenied(_("Only the rule's enterprise may change it."))
        return Response(self.get_serializer(services.alarm_rule_deactivate(rule=rule)).data)


class AlarmViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    """Raised alarms and their history."""

    model = Alarm
    serializer_class = AlarmSerializer
    filterset_class = AlarmFilter
    action_permissions = {
        "list": [IsClusterStaff | IsClusterMember],
        "retrieve": [IsClusterStaff | IsClusterMember],
    }

    def scoped_queryset(self):
        return selectors.alarm_list(roles=self.roles)
