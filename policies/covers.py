"""Checks of a policy's `covers` benefit and stacking rules that need the database: which service
categories exist, and which policies the author may name in `exclusive_with`.

The categories a policy covers belong to the catalog's service taxonomy, which `services` owns;
`policies` and `services` are siblings that do not import each other. So the taxonomy is asked
through a resolver that an app built on both registers in its `AppConfig.ready()`: `programmes`,
which prices services with these benefits. Without one (programmes not installed) the codes are
kept as written, since nothing would read them.
"""

from collections.abc import Callable, Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from cluster_platform.models import Cluster
from policies.models import Policy
from policies.records import RowErrors
from policies.selectors import policy_cluster_visibility

# The words of a file or a request (codes, or names as people write them) -> the category code
# of each word it recognises; a word missing from the answer names no service category.
ServiceCategoryResolver = Callable[[set[str]], dict[str, str]]

_resolver: ServiceCategoryResolver | None = None


def service_category_resolver_register(resolver: ServiceCategoryResolver) -> None:
    global _resolver
    if _resolver is not None and _resolver is not resolver:
        raise RuntimeError("A service category resolver is already registered.")
    _resolver = resolver


def _visible_policies(*, cluster: Cluster | None) -> Q:
    """The policies an author in this scope may name: the library's for the library; for a
    cluster's local policy, what the cluster sees (the library covering its region, its own)."""
    if cluster is None:
        return Q(cluster__isnull=True)
    return policy_cluster_visibility(cluster=cluster, include_local_drafts=True)


def covers_references_check(
    records: Iterable[dict], *, cluster: Cluster | None, own_ids: Iterable | None = None
) -> list[RowErrors]:
    """Per record (in order): errors in `covers_categories` and `exclusive_with`. Category names
    are replaced by their codes in the records. Two queries for any number of records."""
    records = list(records)
    own_ids = list(own_ids) if own_ids is not None else [None] * len(records)
    words = {word for record in records for word in record.get("covers_categories") or []}
    codes = {word: word for word in words}
    if words and _resolver is not None:
        codes = _resolver(words)
    named = {pk for record in records for pk in record.get("exclusive_with") or []}
    visible = (
        set(
            Policy.objects.filter(_visible_policies(cluster=cluster), pk__in=named).values_list(
                "pk", flat=True
            )
        )
        if named
        else set()
    )
    found = []
    for record, own_id in zip(records, own_ids, strict=True):
        errors = RowErrors()
        categories = record.get("covers_categories") or []
        unknown = [word for word in categories if word not in codes]
        if unknown:
            errors.add(
                "covers_categories",
                _("Unknown service categories: %(codes)s.") % {"codes": ", ".join(unknown)},
            )
        else:
            record["covers_categories"] = list(dict.fromkeys(codes[word] for word in categories))
        excluded = record.get("exclusive_with") or []
        if own_id is not None and own_id in excluded:
            errors.add("exclusive_with", _("A policy cannot exclude itself."))
        missing = [str(pk) for pk in excluded if pk not in visible and pk != own_id]
        if missing:
            errors.add(
                "exclusive_with",
                _("No policy you can see has the id %(ids)s.") % {"ids": ", ".join(missing)},
            )
        found.append(errors)
    return found
