import io

import pytest

from demo import policies as demo_policies
from policies.models import Policy
from tests.cluster_platform.factories import ClusterFactory

pytestmark = pytest.mark.django_db


def test_demo_policies_are_valid_and_seeding_twice_changes_nothing(client_for):
    wuxi = ClusterFactory(slug="wuxi-iot", region_code="320214")
    demo_policies.seed(stdout=io.StringIO())
    mine = [record["title"] for record in [*demo_policies.LIBRARY, *demo_policies.LOCAL["wuxi-iot"]]]
    assert Policy.objects.filter(title__in=mine).count() == len(mine)
    assert not Policy.objects.filter(cluster__slug="gd-bags").exists()  # no such cluster here
    stamps = dict(Policy.objects.values_list("id", "updated_at"))
    out = io.StringIO()
    demo_policies.seed(stdout=out)
    assert "policies: 0 created, 0 updated" in out.getvalue()
    assert dict(Policy.objects.values_list("id", "updated_at")) == stamps
    body = client_for(None).get(f"/api/v1/clusters/{wuxi.slug}/policies/", {"q": "物联网"}).json()
    titles = [row["title"] for row in body["results"]]
    in_title = [title for title in titles if "物联网" in title]
    # Title matches come first, the Wuxi IoT policy and the cluster's own among them.
    assert titles[: len(in_title)] == in_title
    assert "无锡市关于进一步支持物联网产业高质量发展的若干政策" in in_title
    assert "无锡物联网产业集群共享设备使用补贴细则" in in_title
    assert all("广东" not in title and "广州" not in title for title in titles)
