import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from cluster_platform.models import AuditLog, StaffRole
from policies.importing import ImportFileError, parse_file
from policies.models import ImportJobStatus, Policy, PolicyImportJob, PolicyStatus
from policies.services import policy_import_file, policy_import_job_run
from tests.cluster_platform.factories import ClusterFactory, staff_member
from tests.enterprises.factories import member_user

pytestmark = pytest.mark.django_db

GOOD = [
    {
        "title": "江苏省中小企业数字化转型专项资金管理办法",
        "document_number": "苏工信〔2024〕12号",
        "issuer": "江苏省工业和信息化厅",
        "level": "provincial",
        "region_code": "320000",
        "published_on": "2024-03-01",
        "categories": ["digital", "subsidy"],
        "summary": "对实施数字化改造的中小企业给予补贴。",
        "max_amount": "2000000",
    },
    {
        "title": "无锡市物联网产业发展若干政策",
        "document_number": "锡政发〔2024〕8号",
        "issuer": "无锡市人民政府",
        "level": "municipal",
        "region_code": "320200",
        "published_on": "2024-05-10",
        "categories": ["innovation"],
    },
    {
        "title": "关于开展2024年度服务券申领工作的通知",
        "issuer": "广州市工业和信息化局",
        "level": "municipal",
        "region_code": "440100",
        "published_on": "2024-06-01",
        "categories": ["voucher"],
    },
]


def _jsonl(records, extra_lines=()):
    lines = [json.dumps(record, ensure_ascii=False) for record in records]
    lines.extend(extra_lines)
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_jsonl_imports_good_rows_and_reports_bad_ones_by_row_and_field():
    bad_region = GOOD[0] | {"document_number": "苏工信〔2024〕13号", "region_code": "320200"}
    content = _jsonl(
        [*GOOD, bad_region], extra_lines=["{not json", json.dumps(GOOD[1] | {"level": "cosmic"})]
    )
    outcome = policy_import_file(content=content, file_format="jsonl", cluster=None)
    assert (outcome.created, outcome.updated, outcome.failed) == (3, 0, 3)
    assert [(error["row"], error["field"]) for error in outcome.errors] == [
        (4, "region_code"),
        (5, None),
        (6, "level"),
    ]
    assert "provincial" in outcome.errors[0]["reason"]
    assert Policy.objects.filter(status=PolicyStatus.PUBLISHED, cluster=None).count() == 3


def test_reimport_updates_instead_of_duplicating():
    policy_import_file(content=_jsonl(GOOD), file_format="jsonl", cluster=None)
    changed = [
        GOOD[0] | {"summary": "新的摘要：补贴比例提高到30%。", "document_number": "苏工信[2024]12号"},
        GOOD[2],
    ]
    outcome = policy_import_file(content=_jsonl(changed), file_format="jsonl", cluster=None)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 1, 1)
    assert Policy.objects.count() == 3
    assert Policy.objects.get(document_number="苏工信[2024]12号").summary.startswith("新的摘要")


def test_reimporting_an_unchanged_file_reports_its_rows_unchanged_and_writes_nothing():
    policy_import_file(content=_jsonl(GOOD), file_format="jsonl", cluster=None)
    stamps = dict(Policy.objects.values_list("id", "updated_at"))

    outcome = policy_import_file(content=_jsonl(GOOD), file_format="jsonl", cluster=None)

    assert (outcome.created, outcome.updated, outcome.unchanged, outcome.failed) == (0, 0, 3, 0)
    assert dict(Policy.objects.values_list("id", "updated_at")) == stamps


def test_the_same_policy_twice_in_one_file_is_one_policy():
    outcome = policy_import_file(
        content=_jsonl([GOOD[0], GOOD[0] | {"summary": "后者"}]), file_format="jsonl", cluster=None
    )
    assert outcome.failed == 0
    assert Policy.objects.get().summary == "后者"


def test_csv_with_chinese_headers_in_gb18030():
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["标题", "文号", "发文机关", "级别", "区划代码", "发布日期", "类别", "最高金额"])
    writer.writerow(
        [
            "广东省产业集群数字化转型试点实施方案",
            "粤工信〔2023〕5号",
            "广东省工业和信息化厅",
            "省级",
            "440000",
            "2023-02-01",
            "数字化转型、资金补贴",
            "500万元",
        ]
    )
    writer.writerow(
        ["坏行", "粤工信〔2023〕6号", "广东省工业和信息化厅", "省级", "440000", "2023-02-30", "", ""]
    )
    outcome = policy_import_file(content=buffer.getvalue().encode("gb18030"), file_format="csv", cluster=None)
    assert (outcome.created, outcome.failed) == (1, 1)
    assert outcome.errors == [{"row": 3, "field": "published_on", "reason": outcome.errors[0]["reason"]}]
    policy = Policy.objects.get()
    assert (policy.level, policy.categories, int(policy.max_amount)) == (
        "provincial",
        ["digital", "subsidy"],
        5_000_000,
    )


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_import():
    import datetime

    content = _xlsx(
        [
            ["title", "issuer", "level", "region_code", "published_on", "categories", "max_amount"],
            [
                "无锡市服务券管理办法",
                "无锡市工业和信息化局",
                "municipal",
                "320200",
                datetime.datetime(2025, 1, 2),
                "voucher",
                100000,
            ],
            ["区县政策缺区划", "某区科技局", "district", None, None, None, None],
        ]
    )
    outcome = policy_import_file(content=content, file_format="xlsx", cluster=None)
    assert (outcome.created, outcome.failed) == (1, 1)
    assert outcome.errors[0]["row"] == 3 and outcome.errors[0]["field"] == "region_code"
    assert str(Policy.objects.get().published_on) == "2025-01-02"


@pytest.mark.parametrize(
    ("content", "file_format", "reason"),
    [
        (b"PK\x03\x04 not really a zip", "xlsx", "XLSX"),
        ("名称,机关\n甲,乙\n".encode(), "csv", "title"),
        (b"[1, 2]\n3\n", "jsonl", "JSON"),
        (b"   ", "jsonl", "empty"),
        (b"\xff\xfe\x00\xd8\x00\xdc" * 3, "csv", "UTF-8"),
    ],
)
def test_an_unparsable_file_changes_nothing(content, file_format, reason):
    with translation.override("en"), pytest.raises(ImportFileError, match=reason):
        parse_file(content, file_format)
    with pytest.raises(ImportFileError):
        policy_import_file(content=content, file_format=file_format, cluster=None)
    assert not Policy.objects.exists()


def test_upload_runs_the_job_and_reports_progress(
    client_for, platform_operator, django_capture_on_commit_callbacks
):
    client = client_for(platform_operator)
    upload = SimpleUploadedFile(
        "policies.jsonl", _jsonl([*GOOD, GOOD[0] | {"level": "cosmic", "document_number": "x"}])
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/policy-imports/", {"file": upload}, format="multipart")
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    job = client.get(f"/api/v1/policy-imports/{response.json()['id']}/").json()
    assert job["status"] == "succeeded"
    assert (job["rows_total"], job["rows_done"], job["rows_created"], job["rows_failed"]) == (4, 4, 3, 1)
    assert job["progress"] == 1.0
    assert job["errors"] == [{"row": 4, "field": "level", "reason": job["errors"][0]["reason"]}]
    assert Policy.objects.filter(cluster=None).count() == 3
    # Running the task again (a redelivery) changes nothing.
    policy_import_job_run(job_id=job["id"])
    assert Policy.objects.count() == 3
    assert PolicyImportJob.objects.get().rows_created == 3


def test_an_unparsable_upload_fails_the_job_with_the_reason(
    client_for, platform_operator, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("policies.xlsx", b"definitely not a workbook")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(platform_operator).post(
            "/api/v1/policy-imports/", {"file": upload}, format="multipart"
        )
    assert response.status_code == 202
    job = PolicyImportJob.objects.get()
    assert job.status == ImportJobStatus.FAILED and "XLSX" in job.failure
    assert not Policy.objects.exists()


def test_upload_of_an_unknown_file_type_is_refused(client_for, platform_operator):
    upload = SimpleUploadedFile("policies.pdf", b"%PDF-1.4")
    response = client_for(platform_operator).post(
        "/api/v1/policy-imports/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "file"
    assert not PolicyImportJob.objects.exists()


def test_agency_import_creates_the_clusters_local_policies(
    client_for, wuxi_cluster, django_capture_on_commit_callbacks
):
    admin = staff_member(wuxi_cluster, StaffRole.OPERATOR)
    client = client_for(admin)
    url = f"/api/v1/clusters/{wuxi_cluster.slug}/policy-imports/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"file": SimpleUploadedFile("local.jsonl", _jsonl(GOOD[:2]))}, format="multipart"
        )
    assert response.status_code == 202
    assert response.json()["cluster"] == wuxi_cluster.slug
    assert Policy.objects.filter(cluster=wuxi_cluster).count() == 2
    assert not Policy.objects.filter(cluster=None).exists()
    assert client.get(f"{url}{response.json()['id']}/").json()["status"] == "succeeded"
    assert AuditLog.objects.filter(cluster=wuxi_cluster, action="policy.import").count() == 1
    # The same rows in the platform library are a separate scope.
    policy_import_file(content=_jsonl(GOOD[:2]), file_format="jsonl", cluster=None)
    assert Policy.objects.count() == 4


@pytest.mark.parametrize("role", ["anonymous", "viewer", "sme", "other_admin"])
def test_only_agency_writers_import_into_a_cluster(client_for, wuxi_cluster, role):
    user = {
        "anonymous": None,
        "viewer": staff_member(wuxi_cluster, StaffRole.VIEWER),
        "sme": member_user(wuxi_cluster).user,
        "other_admin": staff_member(ClusterFactory()),
    }[role]
    url = f"/api/v1/clusters/{wuxi_cluster.slug}/policy-imports/"
    upload = SimpleUploadedFile("local.jsonl", _jsonl(GOOD))
    response = client_for(user).post(url, {"file": upload}, format="multipart")
    assert response.status_code in (401, 403)
    assert not PolicyImportJob.objects.exists() and not Policy.objects.exists()


def test_platform_imports_are_for_operators_only(client_for, wuxi_cluster):
    admin = staff_member(wuxi_cluster)
    upload = SimpleUploadedFile("p.jsonl", _jsonl(GOOD))
    assert (
        client_for(admin).post("/api/v1/policy-imports/", {"file": upload}, format="multipart").status_code
        == 403
    )
    assert client_for(None).get("/api/v1/policy-imports/").status_code == 401
    assert not PolicyImportJob.objects.exists()


def test_management_command_imports_a_file(tmp_path, capsys):
    path = tmp_path / "policies.jsonl"
    path.write_bytes(_jsonl(GOOD))
    call_command("import_policies", str(path), "--no-progress")
    assert Policy.objects.count() == 3
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"nope")
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_policies", str(broken), "--no-progress")


def test_generated_policies_import_cleanly(tmp_path):
    path = tmp_path / "generated.jsonl"
    call_command("generate_policies", "300", "--seed", "7", "--out", str(path))
    outcome = policy_import_file(content=path.read_bytes(), file_format="jsonl", cluster=None)
    assert outcome.failed == 0, outcome.errors[:3]
    assert outcome.created + outcome.updated == 300
    assert Policy.objects.filter(search_vector__isnull=False).count() == Policy.objects.count()


def test_job_lists_query_count_does_not_grow_with_rows(
    client_for, platform_operator, wuxi_cluster, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = staff_member(wuxi_cluster)

    def make_jobs(count):
        for index in range(count):
            for cluster, user in ((None, platform_operator), (wuxi_cluster, staff)):
                PolicyImportJob.objects.create(
                    cluster=cluster,
                    created_by=user,
                    filename=f"f{index}.jsonl",
                    file_format="jsonl",
                    content=b"{}",
                )

    paths = [
        (platform_operator, "/api/v1/policy-imports/"),
        (staff, f"/api/v1/clusters/{wuxi_cluster.slug}/policy-imports/"),
    ]
    make_jobs(2)
    baseline = {}
    for user, path in paths:
        with CaptureQueriesContext(connection) as context:
            assert client_for(user).get(path).json()["count"] == 2
        baseline[path] = len(context.captured_queries)
    make_jobs(8)
    for user, path in paths:
        with django_assert_max_num_queries(baseline[path]):
            assert client_for(user).get(path).json()["count"] == 10


def test_sweep_runs_jobs_whose_task_was_lost():
    import datetime

    from django.utils import timezone

    from policies.tasks import policy_import_jobs_sweep

    job = PolicyImportJob.objects.create(filename="lost.jsonl", file_format="jsonl", content=_jsonl(GOOD[:1]))
    fresh = PolicyImportJob.objects.create(
        filename="new.jsonl", file_format="jsonl", content=_jsonl(GOOD[1:2])
    )
    PolicyImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    assert policy_import_jobs_sweep() == 1
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.status == ImportJobStatus.SUCCEEDED and fresh.status == ImportJobStatus.PENDING
    assert Policy.objects.count() == 1


def test_a_job_interrupted_as_often_as_allowed_fails_with_the_reason_instead_of_running_again():
    """Each delivery of the job's task is a run; a file that kills its worker every time would
    otherwise be handed back and run for ever."""
    from policies.services import MAX_IMPORT_ATTEMPTS

    content = _jsonl(GOOD[:1])
    interrupted = PolicyImportJob.objects.create(
        filename="again.jsonl",
        file_format="jsonl",
        content=content,
        status=ImportJobStatus.RUNNING,
        attempts=1,
    )
    exhausted = PolicyImportJob.objects.create(
        filename="doomed.jsonl",
        file_format="jsonl",
        content=content,
        status=ImportJobStatus.RUNNING,
        attempts=MAX_IMPORT_ATTEMPTS,
    )

    with translation.override("en"):
        policy_import_job_run(job_id=exhausted.pk)
        policy_import_job_run(job_id=interrupted.pk)

    exhausted.refresh_from_db()
    assert exhausted.status == ImportJobStatus.FAILED and exhausted.attempts == MAX_IMPORT_ATTEMPTS
    assert exhausted.failure.startswith(f"The import was interrupted {MAX_IMPORT_ATTEMPTS} times")
    interrupted.refresh_from_db()
    assert (interrupted.status, interrupted.attempts, interrupted.rows_created) == (
        ImportJobStatus.SUCCEEDED,
        2,
        1,
    )
