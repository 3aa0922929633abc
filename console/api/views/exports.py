"""CSV and XLSX exports of a cluster's lists, for its agency staff.

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

from cluster_platform.api.cluster_views import AuditLogFilter
from cluster_platform.api.permissions import IsClusterStaff
from cluster_platform.api.tenancy import ClusterScopedViewSet
from cluster_platform.models import AuditLog, Notification
from console.selectors import exports
from console.spreadsheets import csv_stream, xlsx_write
from enterprises.api.cluster_views import MembershipFilter
from enterprises.models import Membership
from services.api.filters import DemandFilter, OfferingFilter
from services.api.views.engagements import EngagementFilter
from services.api.views.equipment import BookingFilter
from services.models import Booking, Demand, Engagement, Offering

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download_name(view, extension: str) -> str:
    return f"{view.cluster.slug}-{view.dataset.name}-{timezone.localdate():%Y%m%d}.{extension}"


class ExportViewSet(ClusterScopedViewSet):
    """Base: one subclass per dataset states its model, rows, columns and filters."""

    dataset: exports.Dataset
    permission_classes = [IsClusterStaff]
    filter_backends = [DjangoFilterBackend]
    pagination_class = None

    def _rows(self):
        queryset = self.filter_queryset(self.get_queryset())
        return self.dataset.header(), self.dataset.rows(queryset)

    @extend_schema(
        summary="Export as CSV (UTF-8 with BOM), filtered like the list",
        responses={(200, "text/csv"): OpenApiResponse(response=OpenApiTypes.BINARY)},
    )
    @action(detail=False, methods=["get"], url_path="csv")
    def csv(self, request, *args, **kwargs):
        header, rows = self._rows()
        response = StreamingHttpResponse(csv_stream(header, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{_download_name(self, "csv")}"'
        return response

    @extend_schema(
        summary="Export as XLSX, filtered like the list",
        responses={(200, XLSX_TYPE): OpenApiResponse(response=OpenApiTypes.BINARY)},
    )
    @action(detail=False, methods=["get"], url_path="xlsx")
    def xlsx(self, request, *args, **kwargs):
        header, rows = self._rows()
        # openpyxl needs the whole sheet before it can close the zip archive; a temporary file
        # on disk keeps the memory flat, and FileResponse streams it and deletes it when closed.
        target = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        xlsx_write(header, rows, target, sheet_title=str(self.dataset.title))
        target.seek(0)
        return FileResponse(
            target, as_attachment=True, filename=_download_name(self, "xlsx"), content_type=XLSX_TYPE
        )


class MemberExportViewSet(ExportViewSet):
    model = Membership
    dataset = exports.MEMBERS
    filterset_class = MembershipFilter

    def scoped_queryset(self):
        return exports.member_export_list(cluster=self.cluster)


class OfferingExportViewSet(ExportViewSet):
    model = Offering
    dataset = exports.OFFERINGS
    filterset_class = OfferingFilter

    def scoped_queryset(self):
        return exports.offering_export_list(cluster=self.cluster)


class DemandExportViewSet(ExportViewSet):
    model = Demand
    dataset = exports.DEMANDS
    filterset_class = DemandFilter

    def scoped_queryset(self):
        return exports.demand_export_list(cluster=self.cluster)


class EngagementExportViewSet(ExportViewSet):
    model = Engagement
    dataset = exports.ENGAGEMENTS
    filterset_class = EngagementFilter

    def scoped_queryset(self):
        return exports.engagement_export_list(cluster=self.cluster)


class BookingExportViewSet(ExportViewSet):
    model = Booking
    dataset = exports.BOOKINGS
    filterset_class = BookingFilter

    def scoped_queryset(self):
        return exports.booking_export_list(cluster=self.cluster)


class AuditLogExportViewSet(ExportViewSet):
    model = AuditLog
    dataset = exports.AUDIT_LOG
    filterset_class = AuditLogFilter

    def scoped_queryset(self):
        return exports.audit_log_export_list(cluster=self.cluster)


class PolicyMatchExportViewSet(ExportViewSet):
    model = Notification
    dataset = exports.POLICY_MATCHES
    filter_backends: list = []

    def scoped_queryset(self):
        return exports.policy_match_list(cluster=self.cluster)

    def cluster_filter(self):
        # Library policies' notifications carry no cluster; the selector already confines the
        # rows to this cluster's approved members and to library or this cluster's policies.
        return Q(cluster=self.cluster) | Q(cluster__isnull=True)
