from rest_framework.permissions import BasePermission


def is_platform_operator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_superuser)


class IsPlatformOperator(BasePermission):
    """Platform operators (superusers): they run the platform across clusters."""

    def has_permission(self, request, view):
        return is_platform_operator(request.user)


class IsClusterStaffOrPlatformOperator(BasePermission):
    """Any agency staff role of the cluster, or a platform operator."""

    def has_permission(self, request, view):
        return view.roles.staff_role is not None or is_platform_operator(request.user)
