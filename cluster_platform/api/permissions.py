"""Role checks for cluster-scoped views. The base viewset resolves `view.roles` before these run."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from cluster_platform.models import StaffRole


class DenyAll(BasePermission):
    def has_permission(self, request, view):
        return False


class ReadOnly(BasePermission):
    """Anyone, anonymous included, may read; combine with a role for writes."""

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS


class IsClusterStaff(BasePermission):
    """Any agency staff role in the cluster (admin, operator, viewer)."""

    def has_permission(self, request, view):
        return view.roles.staff_role is not None


class IsClusterStaffWriter(BasePermission):
    """Agency staff who may decide: admin or operator. Viewers only read."""

    def has_permission(self, request, view):
        return view.roles.staff_role in (StaffRole.ADMIN, StaffRole.OPERATOR)


class IsClusterAdmin(BasePermission):
    def has_permission(self, request, view):
        return view.roles.staff_role == StaffRole.ADMIN


class IsClusterMember(BasePermission):
    """A user of an enterprise with an approved membership (SME or partner) in the cluster."""

    def has_permission(self, request, view):
        return bool(view.roles.sme_enterprise_ids or view.roles.partner_enterprise_ids)


class IsClusterSME(BasePermission):
    def has_permission(self, request, view):
        return bool(view.roles.sme_enterprise_ids)


class IsClusterPartner(BasePermission):
    def has_permission(self, request, view):
        return bool(view.roles.partner_enterprise_ids)


class IsAuthenticatedUser(BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)
