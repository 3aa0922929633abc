"""The KPIs in the isolation world: B's people cannot read A's, and B's figures count none of A's rows."""

import pytest
from django.core.cache import cache
from django.db import transaction

from tests.console.stats_world import cluster_delete
from tests.tenancy.world import ATTACKER_ROLES, build_world


@pytest.fixture
def world(db):
    cache.clear()
    return build_world()


@pytest.mark.parametrize("role", ATTACKER_ROLES)
def test_b_people_cannot_read_as_figures(world, client_for, role):
    response = client_for(world.b.user_for(role)).get(f"/api/v1/clusters/{world.a.cluster.slug}/stats/")
    assert response.status_code in (401, 403)


@pytest.mark.parametrize("role", ["admin", "operator", "viewer"])
def test_bs_figures_count_none_of_as_rows(world, client_for, role):
    client = client_for(world.b.user_for(role))
    with_a = client.get(f"/api/v1/clusters/{world.b.cluster.slug}/stats/").json()["figures"]
    with transaction.atomic():
        cluster_delete(world.a.cluster)
        cache.clear()
        without_a = client.get(f"/api/v1/clusters/{world.b.cluster.slug}/stats/").json()["figures"]
        transaction.set_rollback(True)
    assert with_a == without_a
    # The world is not empty on B's side: the figures have something to count.
    assert with_a["members"]["total"] >= 2
