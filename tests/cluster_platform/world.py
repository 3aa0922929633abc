"""Cluster A's rows of the core cluster-owned models, for the isolation harness."""

from cluster_platform.services import audit_record, notification_send
from tests.tenancy.world import World


def build(world: World) -> None:
    a = world.a
    audit_record(
        cluster=a.cluster,
        actor=a.admin,
        action="membership.approve",
        target=a.sme,
        after={"status": "approved"},
    )
    audit_record(cluster=a.cluster, actor=a.operator, action="enterprise.verify", target=a.partner)
    audit_record(
        cluster=world.b.cluster, actor=world.b.admin, action="membership.approve", target=world.b.sme
    )
    notification_send(
        user=a.sme_user,
        cluster=a.cluster,
        kind="membership.approved",
        title="入会申请已通过",
        dedup_key="world:a:membership",
        target=a.sme,
        email=False,
    )
