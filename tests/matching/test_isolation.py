"""Matching and assessment endpoints against the two-cluster world (the shared harness covers every URL)."""

import pytest

from tests.tenancy.world import ATTACKER_ROLES, build_world


@pytest.mark.django_db
def test_cluster_b_sees_nothing_of_cluster_a_matching(client_for):
    world = build_world()
    from enterprises.models import Assessment
    from matching.models import MatchRun, Recommendation

    slug = world.a.cluster.slug
    urls = [
        "recommendations/",
        "match-runs/",
        "matching-weights/",
        "assessments/",
        "assessments/uplift/",
        "recommendations/funnel/",
    ]
    ids = {
        "recommendations/": Recommendation.objects.first().pk,
        "match-runs/": MatchRun.objects.first().pk,
        "assessments/": Assessment.objects.first().pk,
    }
    for role in ATTACKER_ROLES:
        client = client_for(world.b.user_for(role))
        for u in urls:
            r = client.get(f"/api/v1/clusters/{slug}/{u}")
            assert r.status_code in (401, 403, 404), (role, u, r.status_code)
            r = client.get(f"/api/v1/clusters/{world.b.cluster.slug}/{u}")
            if r.status_code == 200 and "results" in r.json():
                assert r.json()["count"] == 0, (role, u)
        for u, pk in ids.items():
            r = client.get(f"/api/v1/clusters/{world.b.cluster.slug}/{u}{pk}/")
            assert r.status_code in (401, 403, 404), (role, u)
        assert client.post(
            f"/api/v1/clusters/{world.b.cluster.slug}/recommendations/{ids['recommendations/']}/feedback/",
            {"kind": "interested"},
        ).status_code in (401, 403, 404)
