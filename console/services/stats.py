"""The cached KPIs: computed once, kept until the data behind them changes or the schedule
refreshes them, and always delivered with the time they were computed.

Each cluster has a *generation* in the cache, bumped on commit whenever a row behind its
figures changes (console/receivers.py). A cached answer's key includes the generations of
its clusters, so a change makes every answer that counts the cluster stale at once, a group's
included, without finding and deleting keys. Writes that bypass model signals (bulk updates)
are caught by the scheduled refresh, which recomputes each active cluster's default range.
"""

import hashlib
from datetime import date

from django.core.cache import cache
from django.utils import timezone

from cluster_platform.models import Cluster
from console.selectors.stats import month_range, stats_compute, stats_scope

# The generation of the rows every cluster shares (enterprises, the policy library).
PLATFORM_WIDE = "platform"
CACHE_TTL = 60 * 60  # an answer older than this is recomputed even if nothing was announced
DEFAULT_MONTHS = 12


def default_range(today: date | None = None) -> tuple[date, date]:
    """The last twelve calendar months, the current one included."""
    today = today or timezone.localdate()
    last = today.replace(day=1)
    first = date(last.year - (last.month <= DEFAULT_MONTHS - 1), (last.month - DEFAULT_MONTHS) % 12 + 1, 1)
    return first, last


def _generation_key(cluster_id) -> str:
    return f"console:stats:generation:{cluster_id}"


def stats_invalidate(*, cluster_id) -> None:
    """Mark every cached answer that counts this cluster as stale."""
    key = _generation_key(cluster_id)
    cache.add(key, 0, timeout=None)
    try:
        cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=None)


def _answer_key(clusters: list[Cluster], first: date, last: date) -> str:
    ids = [*sorted(str(cluster.pk) for cluster in clusters), PLATFORM_WIDE]
    generations = cache.get_many([_generation_key(cluster_id) for cluster_id in ids])
    token = ",".join(f"{cluster_id}={generations.get(_generation_key(cluster_id), 0)}" for cluster_id in ids)
    digest = hashlib.sha256(f"{token}|{first:%Y-%m}|{last:%Y-%m}".encode()).hexdigest()[:32]
    return f"console:stats:answer:{digest}"


def stats_get(*, clusters: list[Cluster], first: date, last: date, refresh: bool = False) -> dict:
    """The figures of `clusters` (together) for the months from `first` to `last`, from the
    cache unless stale or `refresh` is set."""
    key = _answer_key(clusters, first, last)
    answer = None if refresh else cache.get(key)
    if answer is None:
        scope = stats_scope(clusters=clusters, first=first, last=last)
        answer = {
            "clusters": sorted(cluster.slug for cluster in clusters),
            "months": [f"{month:%Y-%m}" for month in month_range(first, last)],
            "computed_at": timezone.now().isoformat(),
            "figures": stats_compute(scope),
        }
        cache.set(key, answer, timeout=CACHE_TTL)
    return answer


def stats_refresh(*, cluster_id) -> None:
    """Recompute an active cluster's default answer (the schedule's work); a deactivated
    cluster is left alone."""
    cluster = Cluster.objects.filter(pk=cluster_id, is_active=True).first()
    if cluster is not None:
        first, last = default_range()
        stats_get(clusters=[cluster], first=first, last=last, refresh=True)
