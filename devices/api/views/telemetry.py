from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from devices.api.authentication import DeviceCredentialAuthentication, IsAuthenticatedDevice
from devices.api.serializers.registry import TelemetryBatchSerializer, TelemetryReceiptSerializer
from devices.services.ingestion import telemetry_ingest_from_device


class TelemetryIngestView(APIView):
    """Telemetry from devices that cannot speak MQTT: the same messages, in batches, with the
    device's own credentials. A resent batch is harmless: readings already stored are counted
    as duplicates."""

    authentication_classes = [DeviceCredentialAuthentication]
    permission_classes = [IsAuthenticatedDevice]

    @extend_schema(request=TelemetryBatchSerializer, responses=TelemetryReceiptSerializer)
    def post(self, request):
        data = TelemetryBatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = telemetry_ingest_from_device(device=request.auth, messages=data.validated_data["messages"])
        return Response(TelemetryReceiptSerializer(report).data)
