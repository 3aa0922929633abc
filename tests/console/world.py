"""The console in the isolation world: its one table is the XLSX export jobs; its figures are
over the other apps' rows, which their world modules create in cluster A. What the harness
cannot see by ids (a count that includes A's rows) tests/console/test_isolation.py checks."""

from console.api.tasks import export_job_run
from console.services.exports import export_job_request


def build(world) -> None:
    """A finished export job of A's admin, with its file, and one still queued."""
    for filters in ({}, {"status": ["approved"]}):
        job = export_job_request(
            cluster=world.a.cluster,
            user=world.a.admin,
            export="members",
            filters=filters,
            language="zh-hans",
            rows_total=1,
        )
        if not filters:
            export_job_run(str(job.pk))
