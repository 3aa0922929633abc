from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from console.models import ExportJob, ExportJobStatus


class ExportJobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "export",
            "status",
            "rows_total",
            "rows_done",
            "progress",
            "download",
            "failure",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_progress(self, job) -> float:
        """Share of the rows written, 0 to 1."""
        if job.status == ExportJobStatus.DONE:
            return 1.0
        return round(job.rows_done / job.rows_total, 4) if job.rows_total else 0.0

    @extend_schema_field(OpenApiTypes.URI)
    def get_download(self, job) -> str | None:
        """Where to download the file once the job is done."""
        if job.status != ExportJobStatus.DONE:
            return None
        return reverse(
            "export-job-download",
            kwargs={"cluster_slug": job.cluster.slug, "pk": job.pk},
            request=self.context.get("request"),
        )
