"""What belongs to cluster A: its rows of every local model, which of their ids are secret,
the rows elsewhere that point at them, and a digest that tells whether any of it changed."""

from __future__ import annotations

import functools
import uuid
from collections import deque
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldError
from django.db import connection, models

from cluster_platform.models import Cluster, ClusterStaff, User
from enterprises.models import Enterprise, EnterpriseUser, Membership, MembershipStatus
from tests.tenancy.harness.discovery import CannotExercise, Endpoint
from tests.tenancy.world import ATTACKER_ROLES, LOCAL_APPS, World

MAX_PATH_DEPTH = 3


def _local_models() -> list[type[models.Model]]:
    found = []
    for label in LOCAL_APPS:
        config = apps.get_app_config(label)
        for model in config.get_models(include_auto_created=True):
            found.append(model)
    return found


def _paths_to(model, targets: tuple, depth: int = MAX_PATH_DEPTH) -> dict[type, list[str]]:
    """Forward foreign-key paths from `model` to each of `targets` (stopping at the first
    target reached along a path), e.g. {Cluster: ["cluster", "engagement__cluster"]}."""
    found: dict[type, list[str]] = {}
    queue = deque([(model, "", 0)])
    while queue:
        current, prefix, level = queue.popleft()
        if level >= depth:
            continue
        for relation in current._meta.get_fields():
            if not (relation.concrete and (relation.many_to_one or relation.one_to_one)):
                continue
            related = relation.related_model
            path = f"{prefix}{relation.name}"
            if related in targets:
                found.setdefault(related, []).append(path)
            elif related is not None and related._meta.app_label in LOCAL_APPS:
                queue.append((related, f"{path}__", level + 1))
    return found


def _is_id(value: str) -> bool:
    """Ids worth searching for in a response: UUIDs or other long keys. Short integer keys
    (auto-created M2M tables) would match any number in any body."""
    try:
        uuid.UUID(value)
        return True
    except ValueError:
        return len(value) >= 16


@dataclass
class Victim:
    """Cluster A's data as the harness sees it."""

    cluster: Cluster
    querysets: dict[str, models.QuerySet]  # model label -> A's rows
    rows: dict[type, list[models.Model]]  # model -> A's rows (ordered by pk)
    secret_ids: dict[str, str]  # str(pk) of A's non-public rows -> model label
    public_ids: set[str]
    # "<label>" -> rows outside cluster A that reference A's cluster-owned rows through one field
    references: dict[str, models.QuerySet] = field(default_factory=dict)
    baseline: dict[str, str] = field(default_factory=dict)

    def snapshot(self) -> dict[str, str]:
        """A digest of A's rows per table, and a count of the rows elsewhere that point at A's
        cluster-owned rows, in one query (it runs after every write)."""
        parts, params = [], []
        for label, queryset in self.querysets.items():
            fields = [f.attname for f in queryset.model._meta.concrete_fields]
            sql, sql_params = queryset.order_by().values_list(*fields).query.sql_with_params()
            parts.append(
                f"SELECT %s, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM ({sql}) t"
            )
            params += [label, *sql_params]
        for label, queryset in self.references.items():
            sql, sql_params = queryset.order_by().values_list("pk").query.sql_with_params()
            parts.append(f"SELECT %s, count(*)::text FROM ({sql}) t")
            params += [label, *sql_params]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            return dict(cursor.fetchall())

    def changed_since_baseline(self) -> list[str]:
        now = self.snapshot()
        return sorted(label for label, digest in now.items() if self.baseline.get(label) != digest)

    def leaked(self, text: str, ignore: set[str]) -> dict[str, str]:
        return {
            value: label
            for value, label in self.secret_ids.items()
            if value not in ignore and (value in text or value.replace("-", "") in text)
        }

    def objects_of(self, model, endpoint: Endpoint | None = None) -> list[models.Model]:
        """A's rows of `model` for a detail route: one non-public and one public if there are.
        A cluster-scoped view's own `cluster_field` picks them when it has one."""
        cls = endpoint.view_class if endpoint else None
        cluster_field = getattr(cls, "cluster_field", None) if cls else None
        if cluster_field and model is not None:
            try:
                in_a = model._base_manager.filter(**{cluster_field: self.cluster})
            except FieldError:
                raise CannotExercise(
                    f"cluster_field {cluster_field!r} is not a path from {model._meta.label} to a cluster"
                ) from None
            lookup = getattr(cls, "lookup_field", "pk")
            if lookup not in ("pk", "id"):
                # A lookup that is not the row's own id (an enterprise id for a membership) may
                # name a row of another cluster too: such a row does not name A's object alone.
                elsewhere = model._base_manager.exclude(**{cluster_field: self.cluster}).values(lookup)
                in_a = in_a.exclude(**{f"{lookup}__in": elsewhere})
            rows = list(in_a.distinct().order_by("pk")[:200])
        else:
            rows = self.rows.get(model, [])
        secret = [row for row in rows if str(row.pk) in self.secret_ids]
        public = [row for row in rows if str(row.pk) in self.public_ids]
        return secret[:1] + public[:1]

    @property
    def any_secret_id(self) -> str:
        return next(iter(sorted(self.secret_ids)))

    def model_named(self, name: str):
        wanted = name.replace("_", "").lower()
        for model in self.rows:
            if model._meta.model_name == wanted:
                return model
        return None


def victim_of(world: World) -> Victim:
    """Collect cluster A's rows: every row of a local model with a path to cluster A, and,
    for rows with no cluster (or a null one), those of A's enterprises and A's users.
    The attacker's own enterprises and users are not A's secrets."""
    a_cluster, b_cluster = world.a.cluster, world.b.cluster
    # What the attacker may know already: their own people and enterprises, and whoever is
    # also on cluster B's staff or an approved member of cluster B.
    b_enterprises = set(
        Membership.objects.filter(cluster=b_cluster, status=MembershipStatus.APPROVED).values_list(
            "enterprise_id", flat=True
        )
    )
    attacker_users = {world.b.user_for(role).pk for role in ATTACKER_ROLES if role != "anonymous"}
    attacker_users |= set(ClusterStaff.objects.filter(cluster=b_cluster).values_list("user_id", flat=True))
    attacker_users |= set(
        EnterpriseUser.objects.filter(enterprise_id__in=b_enterprises).values_list("user_id", flat=True)
    )
    attacker_enterprises = b_enterprises | set(
        EnterpriseUser.objects.filter(user_id__in=attacker_users).values_list("enterprise_id", flat=True)
    )
    a_enterprises = (
        set(Membership.objects.filter(cluster=a_cluster).values_list("enterprise_id", flat=True))
        | {world.a.sme.pk, world.a.partner.pk}
    ) - attacker_enterprises
    a_users = (
        set(ClusterStaff.objects.filter(cluster=a_cluster).values_list("user_id", flat=True))
        | set(
            EnterpriseUser.objects.filter(enterprise_id__in=a_enterprises).values_list("user_id", flat=True)
        )
    ) - attacker_users
    anchors = {Cluster: [a_cluster.pk], Enterprise: list(a_enterprises), User: list(a_users)}

    querysets, rows, secret_ids, cluster_paths_of = {}, {}, {}, {}
    public_ids = set(world.public_ids) | {str(a_cluster.pk)}
    for model in _local_models():
        if model in anchors:
            condition = models.Q(pk__in=anchors[model])
        else:
            paths = _paths_to(model, tuple(anchors))
            # A row belongs to the cluster its nearest path names: a row of B that points at
            # A's offering is B's row (and a cross-cluster reference), not one of A's.
            cluster_paths = paths.get(Cluster, [])
            nearest = min((path.count("__") for path in cluster_paths), default=0)
            cluster_paths = [path for path in cluster_paths if path.count("__") == nearest]
            cluster_paths_of[model] = cluster_paths
            owner = models.Q()
            for target in (Enterprise, User):
                for path in paths.get(target, []):
                    owner |= models.Q(**{f"{path}__in": anchors[target]})
            if cluster_paths:
                in_a = functools.reduce(
                    lambda q, path: q | models.Q(**{path: a_cluster.pk}), cluster_paths, models.Q()
                )
                no_cluster = functools.reduce(
                    lambda q, path: q & models.Q(**{f"{path}__isnull": True}), cluster_paths, models.Q()
                )
                condition = in_a | (no_cluster & owner) if owner else in_a
            elif owner:
                condition = owner
            else:
                continue  # platform-wide (categories, the policy library)
        manager = model._base_manager
        queryset = manager.filter(pk__in=manager.filter(condition).values("pk"))
        querysets[model._meta.label] = queryset
        if model._meta.auto_created:
            continue
        instances = list(queryset.order_by("pk"))
        rows[model] = instances
        for instance in instances:
            value = str(instance.pk)
            if _is_id(value) and value not in public_ids:
                secret_ids[value] = model._meta.label
    references = _references(rows, querysets, cluster_paths_of, a_cluster)
    victim = Victim(a_cluster, querysets, rows, secret_ids, public_ids, references)
    victim.baseline = victim.snapshot()
    return victim


REFERENCE_PREFIX = "reference to A: "


def _references(rows, querysets, cluster_paths_of, a_cluster) -> dict[str, models.QuerySet]:
    """For every foreign key of a local model that can point at a cluster-owned row, the rows
    outside cluster A that point at one of A's rows. A row created in B that names A's
    offering, demand, run or policy shows up here, whatever the endpoint did."""
    found = {}
    for model in _local_models():
        for relation in model._meta.concrete_fields:
            if not relation.is_relation or not (relation.many_to_one or relation.one_to_one):
                continue
            target = relation.related_model
            if not cluster_paths_of.get(target) or not rows.get(target):
                continue  # platform-wide targets (enterprises, users, categories), or none in A
            pointing = model._base_manager.filter(
                **{f"{relation.name}__in": [row.pk for row in rows[target]]}
            )
            paths = cluster_paths_of.get(model)
            if paths:
                pointing = pointing.exclude(
                    functools.reduce(lambda q, path: q | models.Q(**{path: a_cluster.pk}), paths, models.Q())
                )
            elif model._meta.label in querysets:
                pointing = pointing.exclude(pk__in=querysets[model._meta.label].values("pk"))
            found[f"{REFERENCE_PREFIX}{model._meta.label}.{relation.name}"] = pointing
    return found
