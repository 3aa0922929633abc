"""CSV and XLSX exports of a cluster's lists, for its agency staff: one view for every export
of the table in console/api/exports.py.

Each export takes the same filters as the list endpoint it mirrors (the same FilterSet), and
streams: CSV as it is written, XLSX from a temporary file that openpyxl's write-only mode
fills row by row. Headers and choice labels are in the request's language.
"""

import tempfile

from django.db.models import Q
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action

from cluster_platform.api.permissions import IsClusterStaff
from cluster_platform.api.tenancy import ClusterScopedViewSet
from console.api.exports import Export
from console.selectors.exports import export_header, export_rows
from console.spreadsheets import csv_stream, xlsx_write

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportViewSet(ClusterScopedViewSet):
    """An export of the table; `export_viewset()` makes one per export for the router."""

    export: Export
    permission_classes = [IsClusterStaff]
    pagination_class = None

    def scoped_queryset(self):
        if self.export.rows is not None:
            return self.export.rows(self.cluster)
        return super().scoped_queryset()

    def cluster_filter(self):
        if self.export.includes_platform_rows:
            # The selector has already confined these rows to this cluster's members and to
            # library or this cluster's policies.
            return Q(cluster=self.cluster) | Q(cluster__isnull=True)
        return super().cluster_filter()

    def _download_name(self, extension: str) -> str:
        return f"{self.cluster.slug}-{self.export.name}-{timezone.localdate():%Y%m%d}.{extension}"

    def _header_and_rows(self):
        queryset = self.filter_queryset(self.get_queryset())
        columns = self.export.columns
        return export_header(columns), export_rows(queryset, columns=columns, order=self.export.order)

    @extend_schema(
        summary="Export as CSV (UTF-8 with BOM), filtered like the list",
        responses={(200, "text/csv"): OpenApiResponse(response=OpenApiTypes.BINARY)},
    )
    @action(detail=False, methods=["get"], url_path="csv")
    def csv(self, request, *args, **kwargs):
        header, rows = self._header_and_rows()
        response = StreamingHttpResponse(csv_stream(header, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self._download_name("csv")}"'
        return response

    @extend_schema(
        summary="Export as XLSX, filtered like the list",
        responses={(200, XLSX_TYPE): OpenApiResponse(response=OpenApiTypes.BINARY)},
    )
    @action(detail=False, methods=["get"], url_path="xlsx")
    def xlsx(self, request, *args, **kwargs):
        header, rows = self._header_and_rows()
        # openpyxl needs the whole sheet before it can close the zip archive; a temporary file
        # on disk keeps the memory flat, and FileResponse streams it and deletes it when closed.
        target = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        xlsx_write(header, rows, target, sheet_title=str(self.export.title))
        target.seek(0)
        return FileResponse(
            target, as_attachment=True, filename=self._download_name("xlsx"), content_type=XLSX_TYPE
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
