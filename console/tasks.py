from celery import shared_task

from cluster_platform.models import Cluster
from console.services.exports import export_jobs_purge
from console.services.stats import stats_refresh


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def stats_refresh_cluster(cluster_id: str) -> None:
    """Recompute one cluster's default KPIs; a re-run only recomputes them again."""
    stats_refresh(cluster_id=cluster_id)


@shared_task
def stats_refresh_all() -> int:
    """Enqueue a refresh for every active cluster (run by beat); a deactivated cluster's
    figures are not refreshed, and its rows stay as they are."""
    cluster_ids = list(Cluster.objects.filter(is_active=True).values_list("pk", flat=True))
    for cluster_id in cluster_ids:
        stats_refresh_cluster.delay(str(cluster_id))
    return len(cluster_ids)


@shared_task
def export_jobs_purge_daily() -> int:
    """Delete the XLSX export jobs past their keeping time, with their files (run by beat)."""
    return export_jobs_purge()
