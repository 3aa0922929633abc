"""Resolving the enterprise and the rows a request names, within the caller's cluster."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from enterprises.models import Enterprise


def acting_enterprise(*, requested, allowed: frozenset, field: str) -> Enterprise:
    """The enterprise the caller acts for: the one named (if theirs), or their only one."""
    if requested is not None:
        if requested not in allowed:
            raise ValidationError({field: [_("You do not act for this enterprise in this cluster.")]})
        return Enterprise.objects.get(pk=requested)
    if len(allowed) != 1:
        raise ValidationError({field: [_("Say which of your enterprises this is for.")]})
    return Enterprise.objects.get(pk=next(iter(allowed)))


def get_in_cluster(queryset, pk, *, field: str):
    """A row of this cluster by id, or a field-level 400 (never another cluster's row)."""
    if pk is None:
        return None
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise ValidationError({field: [_("Not found in this cluster.")]})
    return row
