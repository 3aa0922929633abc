"""Writes for a cluster's agency staff roster: add people, change their role, remove them.

A cluster always keeps at least one admin, or nobody could manage its staff any more.
Every change is audit-logged in the transaction that makes it.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cluster_platform.exceptions import Conflict
from cluster_platform.models import Cluster, ClusterStaff, StaffRole
from cluster_platform.services import audit_record


def _lock_admins(cluster: Cluster) -> list[ClusterStaff]:
    # Lock the admin rows (in primary-key order, to avoid deadlocks) so that two concurrent
    # demotions cannot each see the other admin and leave the cluster with none.
    return list(
        ClusterStaff.objects.select_for_update().filter(cluster=cluster, role=StaffRole.ADMIN).order_by("pk")
    )


@transaction.atomic
def staff_add(*, cluster: Cluster, email: str, role: str, by) -> ClusterStaff:
    user = get_user_model().objects.filter(email__iexact=(email or "").strip()).first()
    if user is None:
        raise ValidationError({"email": [_("No registered user has this email address.")]})
    if role not in StaffRole.values:
        raise ValidationError({"role": [_("Unknown role.")]})
    if ClusterStaff.objects.filter(cluster=cluster, user=user).exists():
        raise Conflict({"email": [_("This user is already on the cluster's staff.")]})
    try:
        with transaction.atomic():
            staff = ClusterStaff.objects.create(cluster=cluster, user=user, role=role)
    except IntegrityError:
        raise Conflict({"email": [_("This user is already on the cluster's staff.")]}) from None
    audit_record(cluster=cluster, actor=by, action="staff.added", target=staff, after={"role": role})
    return staff


@transaction.atomic
def staff_change_role(*, staff: ClusterStaff, role: str, by) -> ClusterStaff:
    if role not in StaffRole.values:
        raise ValidationError({"role": [_("Unknown role.")]})
    admins = _lock_admins(staff.cluster)
    staff = ClusterStaff.objects.select_for_update().select_related("cluster", "user").get(pk=staff.pk)
    if staff.role == role:
        return staff
    if staff.role == StaffRole.ADMIN and len(admins) <= 1:
        raise Conflict(_("The cluster's last admin cannot be demoted."))
    before = {"role": staff.role}
    staff.role = role
    staff.save(update_fields=["role", "updated_at"])
    audit_record(
        cluster=staff.cluster,
        actor=by,
        action="staff.role_changed",
        target=staff,
        before=before,
        after={"role": role},
    )
    return staff


@transaction.atomic
def staff_remove(*, staff: ClusterStaff, by) -> None:
    admins = _lock_admins(staff.cluster)
    staff = ClusterStaff.objects.select_for_update().select_related("cluster", "user").get(pk=staff.pk)
    if staff.role == StaffRole.ADMIN and len(admins) <= 1:
        raise Conflict(_("The cluster's last admin cannot be removed."))
    audit_record(
        cluster=staff.cluster, actor=by, action="staff.removed", target=staff, before={"role": staff.role}
    )
    staff.delete()
