"""Health endpoints for load balancers and orchestrators.

Liveness (`/api/v1/status/live/`) says only that the process answers: it touches nothing, so a
database outage does not get every web process restarted. Readiness (`/api/v1/status/`) says
whether this process can serve: the database is reachable, its migrations are applied, and the
broker is reachable when one is configured. A failed check answers 503 in the API's one error
shape, with one error per failed check.

Both are anonymous, unthrottled and skip authentication: a probe carries no credentials, and a
stale session cookie must not turn a probe into a 403.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from cluster_platform.health import readiness_failures

_StatusSerializer = inline_serializer(
    name="ServiceStatus", fields={"status": serializers.ChoiceField(choices=["ok"])}
)


class _ProbeView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []


class ReadinessView(_ProbeView):
    @extend_schema(
        operation_id="status_ready",
        summary="Readiness: database, migrations and (when configured) the task broker",
        responses={
            200: _StatusSerializer,
            503: OpenApiResponse(description="A check failed: one error per failed check"),
        },
    )
    def get(self, request):
        failures = readiness_failures()
        if failures:
            body = {
                "type": "server_error",
                "errors": [
                    {"code": f"{failure.check}_unavailable", "detail": failure.reason, "attr": None}
                    for failure in failures
                ],
            }
            return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response({"status": "ok"})


class LivenessView(_ProbeView):
    @extend_schema(
        operation_id="status_live",
        summary="Liveness: the process answers (checks nothing else)",
        responses={200: _StatusSerializer},
    )
    def get(self, request):
        return Response({"status": "ok"})
