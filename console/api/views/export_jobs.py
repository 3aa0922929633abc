"""The XLSX export jobs of a person in a cluster: poll one, download its file when done."""

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action

from cluster_platform.api.permissions import IsClusterStaff
from cluster_platform.api.tenancy import ClusterScopedViewSet
from cluster_platform.exceptions import Conflict
from console.api.serializers.exports import ExportJobSerializer
from console.api.views.exports import XLSX_TYPE
from console.models import ExportJob, ExportJobStatus


class ExportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterScopedViewSet):
    """The caller's XLSX exports written in the background (see the exports' xlsx route), newest first."""

    model = ExportJob
    serializer_class = ExportJobSerializer
    permission_classes = [IsClusterStaff]
    filterset_fields = ["status", "export"]
    ordering_fields: list[str] = []

    def scoped_queryset(self):
        # Personal: a job holds what its requester asked for, in their language.
        return (
            ExportJob.objects.filter(requested_by=self.request.user)
            .select_related("cluster")
            .order_by("-created_at", "-id")
        )

    @extend_schema(
        summary="Download the finished file",
        responses={
            (200, XLSX_TYPE): OpenApiResponse(response=OpenApiTypes.BINARY),
            409: OpenApiResponse(description="The file is not written yet, or the job failed."),
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, *args, **kwargs):
        job = self.get_object()
        if job.status != ExportJobStatus.DONE:
            raise Conflict(
                _("The file is not ready: the job is %(status)s.") % {"status": job.get_status_display()}
            )
        name = f"{job.cluster.slug}-{job.export}-{timezone.localtime(job.finished_at):%Y%m%d}.xlsx"
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=name, content_type=XLSX_TYPE)
