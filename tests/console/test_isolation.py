"""The KPIs in the isolation world: B's people cannot read A's, and B's figures count none of A's rows."""

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from cluster_platform.models import Cluster
from programmes.models import LedgerEntry, Voucher, VoucherClaim
from services.models import Engagement
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
        # A's ledger is append-only by a trigger, and it protects A's vouchers and cluster: lift the
        # trigger inside this transaction (rolled back below) to take A away entirely.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE programmes_ledgerentry DISABLE TRIGGER programmes_ledger_append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        LedgerEntry.objects.filter(cluster=world.a.cluster).delete()
        VoucherClaim.objects.filter(cluster=world.a.cluster).delete()
        Voucher.objects.filter(cluster=world.a.cluster).delete()
        Engagement.objects.filter(cluster=world.a.cluster).delete()  # they protect A's offerings
        Cluster.objects.filter(pk=world.a.cluster.pk).delete()
        cache.clear()
        without_a = client.get(f"/api/v1/clusters/{world.b.cluster.slug}/stats/").json()["figures"]
        transaction.set_rollback(True)
    assert with_a == without_a
    # The world is not empty on B's side: the figures have something to count.
    assert with_a["members"]["total"] >= 2
