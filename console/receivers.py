"""The console's subscriptions: a change to a row behind the KPIs makes the cached figures of
its cluster stale (console/services/stats.py), once the change is committed.

Model signals rather than the apps' own events: the figures read nearly every table, and a
row saved anywhere (a service, the admin, a management command) must count. Writes that
bypass signals (bulk updates) are caught by the scheduled refresh.
"""

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from console.services.stats import PLATFORM_WIDE, stats_invalidate

# Cluster-owned rows: the change concerns their own cluster.
CLUSTER_OWNED = [
    "cluster_platform.ClusterStaff",
    "enterprises.Membership",
    "enterprises.Assessment",
    "services.Offering",
    "services.Engagement",
    "services.EngagementEvent",
    "services.Review",
    "services.Machine",
    "services.Booking",
    "matching.Recommendation",
    # Registered and revoked devices. A device's online status and its messages are written in
    # bulk by the ingestion and the status sweep (no signals): the scheduled refresh counts them.
    "devices.Device",
    "programmes.VoucherProgramme",
    "programmes.Voucher",
    "programmes.VoucherClaim",
    "programmes.LedgerEntry",
]
# Platform-wide rows (an enterprise's size or region, its users, the policy library) may count
# in any cluster: the change makes every cluster's figures stale.
PLATFORM_ROWS = ["enterprises.Enterprise", "enterprises.EnterpriseUser", "policies.Policy"]
# Policy-match notifications are written in bulk (no signals): the scheduled refresh counts them.


def _changed(sender, instance, **kwargs):
    cluster_id = getattr(instance, "cluster_id", None) if sender._meta.label in CLUSTER_OWNED else None
    target = cluster_id or PLATFORM_WIDE
    transaction.on_commit(lambda: stats_invalidate(cluster_id=target))


def connect() -> None:
    for label in CLUSTER_OWNED + PLATFORM_ROWS:
        model = apps.get_model(label)
        post_save.connect(_changed, sender=model, dispatch_uid=f"console-stats-{label}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"console-stats-{label}-delete")
