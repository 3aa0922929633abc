"""Cases for tests/tenancy/test_references.py: a cluster B agency's local policy naming A's local
policy among those it does not combine with (`exclusive_with`): A's policies are not in B's scope,
so the id answers 400 as if it did not exist, and nothing is written."""

from policies.models import Policy
from tests.policies.factories import PolicyFactory

LOCAL = {
    "title": "B集群中小企业上云补贴",
    "document_number": "B集群〔2026〕9号",
    "issuer": "B集群促进中心",
    "level": "national",
    "region_code": "",
    "covers_share": "0.2",
}


def _own_policy(scene):
    cache = scene.__dict__.setdefault("_policies", {})
    if "own" not in cache:
        cache["own"] = PolicyFactory(
            cluster=scene.offering.cluster, title="B集群本地政策", issuer="B集群促进中心", status="draft"
        )
    return cache["own"]


def _a_local_policies(world) -> list[str]:
    return [
        str(pk)
        for pk in Policy.objects.filter(cluster=world.a.cluster).order_by("pk").values_list("pk", flat=True)
    ]


CASES = [
    (
        "local policy not combining with A's local policies",
        "operator",
        "post",
        lambda s: "policies/",
        lambda w, s: dict(LOCAL),
        lambda w: {"exclusive_with": _a_local_policies(w)},
    ),
    (
        "own local policy rewritten to exclude A's",
        "operator",
        "put",
        lambda s: f"policies/{_own_policy(s).pk}/",
        lambda w, s: dict(LOCAL),
        lambda w: {"exclusive_with": _a_local_policies(w)},
    ),
    (
        "own local policy edited to exclude A's",
        "admin",
        "patch",
        lambda s: f"policies/{_own_policy(s).pk}/",
        lambda w, s: {"summary": "B集群"},
        lambda w: {"exclusive_with": _a_local_policies(w)},
    ),
]
