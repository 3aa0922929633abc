"""Policy rows of cluster A for the isolation harness: local policies and an import job."""

from policies.models import ImportJobStatus, PolicyImportJob, PolicyStatus
from tests.policies.factories import PolicyFactory
from tests.tenancy.world import World


def build(world: World) -> None:
    cluster = world.a.cluster
    PolicyFactory(
        cluster=cluster,
        title="A集群内部征求意见稿：数字化转型补贴办法",
        document_number="A集群〔2025〕1号",
        issuer=cluster.agency_name,
        status=PolicyStatus.DRAFT,
    )
    published = PolicyFactory(
        cluster=cluster,
        title="A集群服务券申领指南",
        document_number="A集群〔2025〕2号",
        issuer=cluster.agency_name,
        categories=["voucher"],
    )
    world.public_ids.add(str(published.id))
    PolicyImportJob.objects.create(
        cluster=cluster,
        created_by=world.a.operator,
        filename="a-local-policies.jsonl",
        file_format="jsonl",
        content=b'{"title": "x"}\n',
        status=ImportJobStatus.SUCCEEDED,
        rows_total=1,
        rows_done=1,
        rows_failed=1,
        errors=[{"row": 1, "field": "issuer", "reason": "This field is required."}],
    )
