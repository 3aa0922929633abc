"""Who is using the console and for which cluster, resolved once per request.

The cluster is chosen by the signed-in person (kept in their session) among the clusters they
may see: the clusters where they are agency staff, or every active cluster for a platform
operator, who may also choose "all clusters". Nothing reads a cluster from a global: the
admins take it from the request through `console_context(request)`.
"""

from dataclasses import dataclass, field

from cluster_platform.models import Cluster, ClusterStaff, StaffRole

SESSION_KEY = "console_cluster"
ALL_CLUSTERS = "*"


@dataclass(frozen=True)
class ConsoleContext:
    clusters: list = field(default_factory=list)  # the clusters this person may choose
    cluster: Cluster | None = None  # the chosen one; None = all clusters (operators only)
    role: str | None = None  # the person's staff role in the chosen cluster
    is_operator: bool = False

    @property
    def may_enter(self) -> bool:
        return self.is_operator or bool(self.clusters)

    @property
    def may_decide(self) -> bool:
        """Moderation and verification: operators of the platform, the cluster's admins and operators."""
        return self.is_operator or self.role in (StaffRole.ADMIN, StaffRole.OPERATOR)

    @property
    def may_administer(self) -> bool:
        return self.is_operator or self.role == StaffRole.ADMIN


def _resolve(request) -> ConsoleContext:
    user = request.user
    if not (user.is_authenticated and user.is_active):
        return ConsoleContext()
    if user.is_superuser:
        clusters = list(Cluster.objects.filter(is_active=True).order_by("slug"))
        chosen = request.session.get(SESSION_KEY, ALL_CLUSTERS)
        cluster = next((c for c in clusters if c.slug == chosen), None)
        return ConsoleContext(clusters=clusters, cluster=cluster, is_operator=True)
    roles = {
        row.cluster.slug: (row.cluster, row.role)
        for row in ClusterStaff.objects.filter(user=user, cluster__is_active=True).select_related("cluster")
    }
    if not roles:
        return ConsoleContext()
    chosen = request.session.get(SESSION_KEY)
    cluster, role = roles.get(chosen) or roles[sorted(roles)[0]]
    return ConsoleContext(
        clusters=[roles[slug][0] for slug in sorted(roles)], cluster=cluster, role=role, is_operator=False
    )


def console_context(request) -> ConsoleContext:
    if not hasattr(request, "_console_context"):
        request._console_context = _resolve(request)
    return request._console_context


def console_choose(request, slug: str) -> bool:
    """Switch the request's person to cluster `slug` (or all clusters); False if not theirs."""
    context = console_context(request)
    allowed = {cluster.slug for cluster in context.clusters} | (
        {ALL_CLUSTERS} if context.is_operator else set()
    )
    if slug not in allowed:
        return False
    request.session[SESSION_KEY] = slug
    del request._console_context
    return True
