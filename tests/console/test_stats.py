"""Every KPI against an independent computation, on a world built for it in two clusters."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction

from cluster_platform.models import Cluster
from enterprises.models import Membership
from tests.cluster_platform.factories import ClusterStaffFactory, UserFactory
from tests.console import stats_world
from tests.console.stats_world import MONTHS, expected, months
from tests.enterprises.factories import member_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    cache.clear()
    return stats_world.build()


def _range() -> dict:
    return {"from": f"{months()[0]:%Y-%m}", "to": f"{months()[-1]:%Y-%m}"}


def _stats(client_for, user, slug, **params):
    response = client_for(user).get(f"/api/v1/clusters/{slug}/stats/", {**_range(), **params})
    assert response.status_code == 200, response.content
    return response.json()


def _assert_figures(actual: dict, wanted: dict) -> None:
    for name, figure in wanted.items():
        for key, value in figure.items():
            assert actual[name][key] == value, f"{name}.{key}: {actual[name][key]!r} != {value!r}"


@pytest.mark.parametrize("side", ["a", "b"])
def test_every_figure_of_one_cluster_matches_the_independent_computation(world, client_for, side):
    cluster = getattr(world, side)
    viewer = ClusterStaffFactory(cluster=cluster, role="viewer").user
    answer = _stats(client_for, viewer, cluster.slug)
    assert answer["clusters"] == [cluster.slug]
    assert len(answer["months"]) == MONTHS and answer["months"][-1] == f"{months()[-1]:%Y-%m}"
    assert answer["computed_at"]
    _assert_figures(answer["figures"], expected({cluster.pk}))


def test_the_world_exercises_every_figure(world):
    """Guard against a vacuous comparison: the figures are not zero, and A's differ from B's."""
    a, b = expected({world.a.pk}), expected({world.b.pk})
    for name in a:
        for key, value in a[name].items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                assert value, f"{name}.{key} is zero in A"
            if name == "vouchers" and isinstance(value, str):  # amounts
                assert Decimal(value), f"{name}.{key} is zero in A"
    differing = [f"{name}.{key}" for name in a for key in a[name] if a[name][key] != b[name][key]]
    assert len(differing) > 25


def test_a_cluster_figures_ignore_the_other_clusters_rows(world, client_for):
    """B's figures are the same with and without A's rows."""
    admin = ClusterStaffFactory(cluster=world.b, role="admin").user
    with_a = _stats(client_for, admin, world.b.slug)["figures"]
    with transaction.atomic():
        stats_world.cluster_delete(world.a)
        cache.clear()
        without_a = _stats(client_for, admin, world.b.slug)["figures"]
        transaction.set_rollback(True)
    assert with_a == without_a


def test_a_group_counts_its_clusters_rows_together(world, client_for):
    operator = UserFactory(is_superuser=True, is_staff=True)
    response = client_for(operator).get(
        "/api/v1/stats/", {**_range(), "clusters": f"{world.b.slug},{world.a.slug}"}
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["clusters"] == sorted([world.a.slug, world.b.slug])
    wanted = expected({world.a.pk, world.b.pk})
    _assert_figures(answer["figures"], wanted)
    # The enterprise in both clusters counts once.
    a, b = expected({world.a.pk}), expected({world.b.pk})
    assert wanted["members"]["total"] == a["members"]["total"] + b["members"]["total"] - 1


def test_the_platform_figures_count_every_active_cluster(world, client_for):
    operator = UserFactory(is_superuser=True, is_staff=True)
    answer = client_for(operator).get("/api/v1/stats/", _range()).json()
    active = set(Cluster.objects.filter(is_active=True).values_list("pk", flat=True))
    assert answer["clusters"] == sorted(Cluster.objects.filter(is_active=True).values_list("slug", flat=True))
    _assert_figures(answer["figures"], expected(active))


def test_a_platform_operator_reads_any_cluster(world, client_for):
    operator = UserFactory(is_superuser=True, is_staff=True)
    answer = _stats(client_for, operator, world.a.slug)
    _assert_figures(answer["figures"], expected({world.a.pk}))


@pytest.mark.parametrize("who", ["anonymous", "member", "other_staff", "plain_staff_flag"])
def test_others_may_not_read_a_clusters_figures(world, client_for, who):
    user = {
        "anonymous": lambda: None,
        "member": lambda: member_user(world.a).user,
        "other_staff": lambda: ClusterStaffFactory(cluster=world.b).user,
        "plain_staff_flag": lambda: UserFactory(is_staff=True),
    }[who]()
    response = client_for(user).get(f"/api/v1/clusters/{world.a.slug}/stats/")
    assert response.status_code in (401, 403)
    assert client_for(user).get("/api/v1/stats/").status_code in (401, 403)


def test_cached_until_the_data_changes(world, client_for, django_capture_on_commit_callbacks):
    admin = ClusterStaffFactory(cluster=world.a, role="admin").user
    first = _stats(client_for, admin, world.a.slug)
    again = _stats(client_for, admin, world.a.slug)
    assert again["computed_at"] == first["computed_at"]
    # A change in B leaves A's answer alone; one in A makes it stale once committed.
    for cluster in (world.b, world.a):
        pending = Membership.objects.get(cluster=cluster, status="pending")
        pending.status = "approved"
        with django_capture_on_commit_callbacks(execute=True):
            pending.save()
        if cluster == world.b:
            assert _stats(client_for, admin, world.a.slug)["computed_at"] == first["computed_at"]
    fresh = _stats(client_for, admin, world.a.slug)
    assert fresh["computed_at"] != first["computed_at"]
    assert fresh["figures"]["members"]["total"] == first["figures"]["members"]["total"] + 1


def test_the_schedule_refreshes_active_clusters_only(world):
    from console.services.stats import default_range, stats_get
    from console.tasks import stats_refresh_all

    Cluster.objects.filter(pk=world.b.pk).update(is_active=False)
    first, last = default_range()
    before = {
        c.slug: stats_get(clusters=[c], first=first, last=last)["computed_at"] for c in (world.a, world.b)
    }
    assert stats_refresh_all() == Cluster.objects.filter(is_active=True).count()
    after = {
        c.slug: stats_get(clusters=[c], first=first, last=last)["computed_at"] for c in (world.a, world.b)
    }
    assert after[world.a.slug] != before[world.a.slug]
    assert after[world.b.slug] == before[world.b.slug]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-1"}, "to"),
        ({"from": "2026-06", "to": "2026-01"}, "from"),
        ({"from": "2020-01", "to": "2026-01"}, "from"),
    ],
)
def test_bad_ranges_are_field_errors(world, client_for, params, field):
    admin = ClusterStaffFactory(cluster=world.a, role="admin").user
    response = client_for(admin).get(f"/api/v1/clusters/{world.a.slug}/stats/", params)
    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == [field]


def test_unknown_or_inactive_clusters_in_a_group_are_field_errors(world, client_for):
    operator = UserFactory(is_superuser=True, is_staff=True)
    Cluster.objects.filter(pk=world.b.pk).update(is_active=False)
    response = client_for(operator).get("/api/v1/stats/", {"clusters": f"{world.a.slug},{world.b.slug},nope"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "clusters"
    assert world.b.slug in response.json()["errors"][0]["detail"]
