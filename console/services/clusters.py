"""Platform operations: operators create, change and deactivate clusters and appoint their first
agency admin. Each is audit-logged in the cluster it concerns, in the transaction that makes it.

Deactivating keeps every row: the cluster's routes answer 404 (`cluster_get_active`), its
console disappears for its staff, and the scheduled work that walks active clusters skips it;
reactivating brings it all back as it was.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cluster_platform.models import Cluster, ClusterStaff, StaffRole
from cluster_platform.services import audit_record
from cluster_platform.staff import staff_add

CLUSTER_EDITABLE_FIELDS = ("name", "name_en", "region_code", "industry_focus", "agency_name", "description")


def _snapshot(cluster: Cluster) -> dict:
    return {field: getattr(cluster, field) for field in ("slug", *CLUSTER_EDITABLE_FIELDS, "is_active")}


def _require_operator(by) -> None:
    if not (by and by.is_authenticated and by.is_superuser):
        raise ValidationError(_("Only platform operators run the platform's clusters."))


@transaction.atomic
def cluster_create(*, values: dict, by, first_admin_email: str | None = None) -> Cluster:
    """A new active cluster, with its first agency admin if an email is given (the person must
    have registered: the platform never creates accounts on someone's behalf)."""
    _require_operator(by)
    unknown = set(values) - {"slug", *CLUSTER_EDITABLE_FIELDS}
    if unknown:
        raise ValidationError({field: [_("This field cannot be set.")] for field in sorted(unknown)})
    cluster = Cluster(**values)
    cluster.full_clean()
    cluster.save()
    audit_record(
        cluster=cluster, actor=by, action="cluster.created", target=cluster, after=_snapshot(cluster)
    )
    if first_admin_email:
        cluster_admin_appoint(cluster=cluster, email=first_admin_email, by=by)
    return cluster


@transaction.atomic
def cluster_update(*, cluster: Cluster, changes: dict, by) -> Cluster:
    _require_operator(by)
    unknown = set(changes) - set(CLUSTER_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be changed.")] for field in sorted(unknown)})
    cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
    before = _snapshot(cluster)
    for field, value in changes.items():
        setattr(cluster, field, value)
    cluster.full_clean()
    cluster.save()
    after = _snapshot(cluster)
    changed = [field for field in after if before[field] != after[field]]
    if changed:
        audit_record(
            cluster=cluster,
            actor=by,
            action="cluster.updated",
            target=cluster,
            before={field: before[field] for field in changed},
            after={field: after[field] for field in changed},
        )
    return cluster


@transaction.atomic
def cluster_set_active(*, cluster: Cluster, active: bool, by) -> Cluster:
    """Deactivate (or reactivate) a cluster; idempotent, and nothing is deleted."""
    _require_operator(by)
    cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
    if cluster.is_active != active:
        cluster.is_active = active
        cluster.save(update_fields=["is_active", "updated_at"])
        audit_record(
            cluster=cluster,
            actor=by,
            action="cluster.reactivated" if active else "cluster.deactivated",
            target=cluster,
            before={"is_active": not active},
            after={"is_active": active},
        )
    return cluster


@transaction.atomic
def cluster_admin_appoint(*, cluster: Cluster, email: str, by) -> ClusterStaff:
    """Make a registered person an admin of the cluster's agency (the roster's own rules apply)."""
    _require_operator(by)
    return staff_add(cluster=cluster, email=email, role=StaffRole.ADMIN, by=by)
