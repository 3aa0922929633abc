"""The devices' figures in the agency's KPIs (devices/stats.py, through the console's stats API):
the same headline as the devices API for one cluster, summed over a group, stale on a change."""

import io

import pytest
from django.core.cache import cache

from demo import devices as demo
from devices.models import Device
from devices.selectors.telemetry import cluster_device_figures
from devices.services.registry import device_create, device_revoke
from tests.cluster_platform.factories import ClusterFactory, ClusterStaffFactory, UserFactory
from tests.console import stats_world
from tests.devices.factories import DeviceTypeFactory
from tests.enterprises.factories import member_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def _devices(client, url, **params) -> dict:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()["figures"]["devices"]


def test_one_clusters_figures_are_the_devices_apis_headline(client_for):
    """The figures over a set of clusters agree, for a set of one, with the per-cluster
    headline the devices API serves (a second implementation of the same definitions)."""
    world = stats_world.build()
    for cluster in (world.a, world.b):
        viewer = ClusterStaffFactory(cluster=cluster, role="viewer").user
        figures = _devices(client_for(viewer), f"/api/v1/clusters/{cluster.slug}/stats/")
        headline = cluster_device_figures(cluster=cluster)
        assert figures["connected"] == headline["devices_connected"] > 0
        assert figures["online"] == headline["devices_online"] > 0
        assert figures["messages_per_day"] == [
            {"date": day["date"].isoformat(), "messages": day["messages"]}
            for day in headline["messages_per_day"]
        ]


def test_the_guangdong_group_counts_the_demos_708_devices(client_for):
    clusters = [ClusterFactory(slug=slug) for slug in demo.GD_TYPES]
    for cluster in clusters:
        for _ in range(3):
            member_user(cluster, "sme")
    other = ClusterFactory(slug="wuxi-iot")  # outside the group: its devices must not count
    demo.seed(stdout=io.StringIO())
    assert Device.objects.filter(cluster=other).count() == 0
    Device.objects.create(
        cluster=other,
        enterprise=member_user(other, "sme")[1],
        device_type=DeviceTypeFactory(code="cnc"),
        name="无锡 加工中心",
        telemetry_keys={},
        secret_hash="0" * 64,
        credentials_issued_at=clusters[0].created_at,
    )

    operator = UserFactory(is_superuser=True, is_staff=True)
    group = _devices(client_for(operator), "/api/v1/stats/", clusters=",".join(demo.GD_TYPES))
    headlines = [cluster_device_figures(cluster=cluster) for cluster in clusters]
    assert group["connected"] == 708 == sum(h["devices_connected"] for h in headlines)
    assert group["online"] == sum(h["devices_online"] for h in headlines)
    assert group["messages_per_day"][-1]["messages"] == sum(
        h["messages_per_day"][-1]["messages"] for h in headlines
    )
    assert group["messages_per_day"][-1]["messages"] > 0
    everyone = _devices(client_for(operator), "/api/v1/stats/")
    assert everyone["connected"] == 709


def test_registering_and_revoking_a_device_make_the_figures_stale(
    client_for, django_capture_on_commit_callbacks
):
    cluster = ClusterFactory()
    _user, sme = member_user(cluster, "sme")
    client = client_for(ClusterStaffFactory(cluster=cluster, role="admin").user)
    url = f"/api/v1/clusters/{cluster.slug}/stats/"
    assert _devices(client, url)["connected"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        issued = device_create(
            cluster=cluster,
            enterprise=sme,
            device_type=DeviceTypeFactory(code="cnc"),
            data={"name": "加工中心 1"},
        )
    assert _devices(client, url)["connected"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        device_revoke(cluster=cluster, device=issued.device)
    figures = _devices(client, url)
    assert figures["connected"] == 0
    assert figures["series"][-1] == 0
