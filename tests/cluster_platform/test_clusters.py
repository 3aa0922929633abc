import pytest

from tests.cluster_platform.factories import ClusterFactory

pytestmark = pytest.mark.django_db


def test_clusters_list_shows_active_clusters_in_slug_order(api_client):
    ClusterFactory(slug="wuxi-iot")
    ClusterFactory(slug="gd-bags")
    ClusterFactory(slug="closed", is_active=False)

    response = api_client.get("/api/v1/clusters/")

    assert response.status_code == 200
    assert [c["slug"] for c in response.json()["results"]] == ["gd-bags", "wuxi-iot"]


def test_unknown_cluster_answers_404_in_the_error_shape(api_client):
    response = api_client.get("/api/v1/clusters/nowhere/")

    assert response.status_code == 404
    body = response.json()
    assert body["type"] == "client_error"
    assert body["errors"][0]["code"] == "not_found"
