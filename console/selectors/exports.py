"""Reading an export's rows: the columns as ORM paths, streamed from a server-side cursor.

A column is an ORM path read with `values_list`, so an export is one query streamed through a
server-side cursor, whatever its size; no model instances are built. Headers are the columns'
translatable names, resolved in the request's language by the caller; choice values are
shown as their labels in that language.

Which exports exist (their rows, filters and columns) is one table in the HTTP layer,
console/api/exports.py, because each export takes the filters of the list endpoint it mirrors.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Subquery, UUIDField
from django.db.models.functions import Cast, Right

from cluster_platform.models import Cluster, Notification
from enterprises.models import Enterprise, Membership, MembershipStatus
from policies.eligibility.notifications import KIND_ELIGIBLE
from policies.models import Policy

CHUNK_ROWS = 2000


@dataclass(frozen=True)
class Column:
    header: object  # a lazy translatable string
    path: str
    choices: type | None = None  # a TextChoices class whose labels replace the values


def export_header(columns: Sequence[Column]) -> list[str]:
    """Column titles in the active language."""
    return [str(column.header) for column in columns]


def export_rows(queryset: QuerySet, *, columns: Sequence[Column], order: Sequence[str]) -> Iterator[tuple]:
    """The rows as tuples, streamed from a server-side cursor, choice labels in the active
    language (resolved now, so a generator consumed later does not depend on it)."""
    labels = [
        (index, {value: str(label) for value, label in column.choices.choices})
        for index, column in enumerate(columns)
        if column.choices
    ]
    values = queryset.order_by(*order).values_list(*[column.path for column in columns])
    for row in values.iterator(chunk_size=CHUNK_ROWS):
        if labels:
            row = list(row)
            for index, mapping in labels:
                row[index] = mapping.get(row[index], row[index])
        yield row


def policy_match_list(*, cluster: Cluster) -> QuerySet[Notification]:
    """The policies the proactive matching found the cluster's approved members eligible for:
    one row per member and policy (library policies and the cluster's own local ones), from the
    notifications that told them, whose deduplication key names the enterprise.

    Only the first notification of each (member, policy) pair counts: an enterprise with several
    users was told once per user."""
    members = (
        Membership.objects.filter(cluster=cluster, status=MembershipStatus.APPROVED)
        .annotate(key=Cast("enterprise_id", CharField()))
        .values("key")
    )
    # The deduplication key is the (policy, enterprise) pair: keep the pair's earliest row.
    earlier = Notification.objects.filter(dedup_key=OuterRef("dedup_key")).filter(
        Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), id__lt=OuterRef("id"))
    )
    enterprise = Enterprise.objects.filter(pk=Cast(OuterRef("enterprise_key"), UUIDField()))
    policy = Policy.objects.filter(pk=Cast(OuterRef("target_id"), UUIDField()))
    return (
        Notification.objects.filter(Q(cluster__isnull=True) | Q(cluster=cluster), kind=KIND_ELIGIBLE)
        .annotate(enterprise_key=Right("dedup_key", 36))
        .filter(enterprise_key__in=members)
        .exclude(Exists(earlier))
        .annotate(
            enterprise_name=Subquery(enterprise.values("name")[:1]),
            enterprise_uscc=Subquery(enterprise.values("uscc")[:1]),
            policy_title=Subquery(policy.values("title")[:1]),
            policy_issuer=Subquery(policy.values("issuer")[:1]),
            policy_level=Subquery(policy.values("level")[:1]),
            policy_max_amount=Subquery(policy.values("max_amount")[:1]),
            policy_closes=Subquery(policy.values("application_closes")[:1]),
        )
    )
