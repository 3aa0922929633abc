"""The console's one table: XLSX exports too large for a web request, written in the background.

Everything else the console shows it reads from the other apps' tables.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cluster_platform.models import Cluster, TimestampedModel


class ExportJobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


UNFINISHED = (ExportJobStatus.QUEUED, ExportJobStatus.RUNNING)


def export_file_path(job: "ExportJob", filename: str) -> str:
    """Under the cluster and a fresh name: files are served only through the job's API."""
    return f"exports/{job.cluster_id}/{uuid.uuid4().hex}.xlsx"


class ExportJob(TimestampedModel):
    """One person's XLSX export of a cluster's list, written by a worker, downloaded when done."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="export_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    export = models.CharField(_("export"), max_length=40)
    # The request's query parameters ({name: [values]}): the worker applies the list's filters
    # to them as the request would have.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    # Headers and choice labels are in the requester's language.
    language = models.CharField(_("language"), max_length=16)
    status = models.CharField(
        _("status"), max_length=8, choices=ExportJobStatus.choices, default=ExportJobStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to=export_file_path, max_length=200, blank=True)
    failure = models.TextField(_("failure"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "id"]
        constraints = [
            # The same request repeated while its file is being written gets the same job.
            models.UniqueConstraint(
                fields=["cluster", "requested_by", "export", "filters", "language"],
                condition=Q(status__in=["queued", "running"]),
                name="uniq_unfinished_export_job",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="export_job_status_created")]

    def __str__(self):
        return f"{self.export} ({self.status})"
