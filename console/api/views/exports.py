"""CSV and XLSX exports of a cluster's lists, for its agency staff: one view for every export
of the table in console/api/exports.py.

Each export takes the same filters as the list endpoint it mirrors (the same FilterSet), and
streams: CSV as it is written, XLSX from a temporary file that openpyxl's write-only mode
fills row by row. Headers and choice labels are in the request's language.
"""

import tempfile

from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.reverse import reverse

from cluster_platform.api.permissions import IsClusterStaff
from cluster_platform.api.tenancy import ClusterScopedViewSet
from console.api.exports import Export
from console.api.serializers.exports import ExportJobSerializer
from console.api.tasks import export_job_run
from console.models import ExportJobStatus
from console.selectors.exports import export_header, export_rows
from console.services.exports import export_job_request
from console.spreadsheets import csv_stream, xlsx_write

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_DATA_ROWS = 1_048_575  # an Excel sheet's 1,048,576 rows, less the header


class ExportViewSet(ClusterScopedViewSet):
    """An export of the table; `export_viewset()` makes one per export for the router."""

    export: Export
    permission_classes = [IsClusterStaff]
    pagination_class = None

    def scoped_queryset(self):
        return self.export.base_rows(self.cluster)

    def cluster_filter(self):
        # Policy matches also hold library policies' rows (no cluster), which the selector has
        # already confined to this cluster's members.
        return self.export.cluster_condition(self.cluster)

    def _download_name(self, extension: str) -> str:
        return f"{self.cluster.slug}-{self.export.name}-{timezone.localdate():%Y%m%d}.{extension}"

    def _header_and_rows(self, queryset):
        columns = self.export.columns
        return export_header(columns), export_rows(queryset, columns=columns, order=self.export.order)

    @extend_schema(
        summary="Export as CSV (UTF-8 with BOM), filtered like the list",
        responses={(200, "text/csv"): OpenApiResponse(response=OpenApiTypes.BINARY)},
    )
    @action(detail=False, methods=["get"], url_path="csv")
    def csv(self, request, *args, **kwargs):
        header, rows = self._header_and_rows(self.filter_queryset(self.get_queryset()))
        response = StreamingHttpResponse(csv_stream(header, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self._download_name("csv")}"'
        return response

    @extend_schema(
        summary="Export as XLSX, filtered like the list",
        description=(
            "Up to EXPORT_XLSX_MAX_ROWS_IN_REQUEST rows (10,000 by default) the file is the answer. "
            "Above, the file is written in the background: the answer is 202 with the export job "
            "(poll it at its Location; download it from .../download/ once done). Repeating the "
            "request while the job runs answers the same job."
        ),
        responses={
            (200, XLSX_TYPE): OpenApiResponse(response=OpenApiTypes.BINARY),
            202: ExportJobSerializer,
        },
    )
    @action(detail=False, methods=["get"], url_path="xlsx")
    def xlsx(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        rows_total = queryset.count()
        if rows_total > XLSX_MAX_DATA_ROWS:
            raise ValidationError(
                _(
                    "%(rows)d rows do not fit in one XLSX sheet (at most %(max)d): narrow the filters or export CSV."
                )
                % {"rows": rows_total, "max": XLSX_MAX_DATA_ROWS}
            )
        if rows_total > settings.EXPORT_XLSX_MAX_ROWS_IN_REQUEST:
            return self._xlsx_job(request, rows_total)
        header, rows = self._header_and_rows(queryset)
        # openpyxl needs the whole sheet before it can close the zip archive; a temporary file
        # on disk keeps the memory flat, and FileResponse streams it and deletes it when closed.
        target = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        xlsx_write(header, rows, target, sheet_title=str(self.export.title))
        target.seek(0)
        return FileResponse(
            target, as_attachment=True, filename=self._download_name("xlsx"), content_type=XLSX_TYPE
        )

    def _xlsx_job(self, request, rows_total: int):
        job = export_job_request(
            cluster=self.cluster,
            user=request.user,
            export=self.export.name,
            filters={name: values for name, values in sorted(request.query_params.lists())},
            language=get_language() or settings.LANGUAGE_CODE,
            rows_total=rows_total,
        )
        if job.status == ExportJobStatus.QUEUED:
            export_job_run.delay_on_commit(str(job.pk))
        location = reverse(
            "export-job-detail", kwargs={"cluster_slug": self.cluster.slug, "pk": job.pk}, request=request
        )
        return Response(
            ExportJobSerializer(job, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": location},
        )


def export_viewset(export: Export) -> type[ExportViewSet]:
    """The view of one export: its model (what the tenancy base and the isolation harness read)
    and its list's FilterSet."""
    attributes = {
        "export": export,
        "model": export.model,
        "filterset_class": export.filterset,
        "filter_backends": [DjangoFilterBackend] if export.filterset else [],
        "__module__": __name__,
        "__doc__": f"Export of the cluster's {export.name} as CSV or XLSX.",
    }
    name = "".join(part.title() for part in export.name.split("-")) + "ExportViewSet"
    return type(name, (ExportViewSet,), attributes)
