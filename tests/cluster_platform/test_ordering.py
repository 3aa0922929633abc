from rest_framework.request import Request

from cluster_platform.api.filters import StableOrderingFilter
from cluster_platform.models import Cluster
from console.api.views.clusters import ClusterViewSet


def _ordering(rf, query):
    view = ClusterViewSet()
    view.ordering_fields = ["region_code", "slug", "id"]
    request = Request(rf.get("/", query))
    return StableOrderingFilter().get_ordering(request, Cluster.objects.all(), view)


def test_client_ordering_gets_the_id_as_tiebreaker_so_pages_never_overlap(rf):
    assert _ordering(rf, {"ordering": "-region_code"}) == ["-region_code", "id"]
    assert _ordering(rf, {"ordering": "region_code,-id"}) == ["region_code", "-id"]


def test_without_ordering_the_view_default_applies(rf):
    assert _ordering(rf, {}) is None
