import pytest

from tests.tenancy.world import ATTACKER_ROLES, build_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ATTACKER_ROLES)
def test_cluster_b_sees_only_as_public_policies_and_none_of_its_import_jobs(client_for, role):
    world = build_world()
    client = client_for(world.b.user_for(role))
    slug = world.a.cluster.slug
    listed = {row["id"] for row in client.get(f"/api/v1/clusters/{slug}/policies/").json()["results"]}
    local_ids = {str(pk) for pk in world.a.cluster.policies.values_list("id", flat=True)}
    assert listed & local_ids == world.public_ids & local_ids
    jobs = client.get(f"/api/v1/clusters/{slug}/policy-imports/")
    assert jobs.status_code in (401, 403)
    job_id = world.a.cluster.policy_import_jobs.get().id
    assert client.get(f"/api/v1/clusters/{slug}/policy-imports/{job_id}/").status_code in (401, 403, 404)
    own = client.get(f"/api/v1/clusters/{world.b.cluster.slug}/policy-imports/{job_id}/")
    assert own.status_code in (401, 403, 404)
