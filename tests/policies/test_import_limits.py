"""Spreadsheets made to hurt the importer are refused before parsing, and their jobs fail with the
reason; jobs whose run died are failed by the sweep."""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from policies import importing
from policies.importing import ImportFileError, parse_file
from policies.models import ImportJobStatus, Policy, PolicyImportJob
from policies.tasks import policy_import_jobs_sweep

pytestmark = pytest.mark.django_db

SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>title</t></is></c><c r="B1" t="inlineStr"><is><t>issuer</t>'
    b'</is></c><c r="C1" t="inlineStr"><is><t>level</t></is></c></row>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


def _workbook_with_sheet(sheet_xml: bytes) -> bytes:
    """A real openpyxl workbook whose first worksheet is replaced by `sheet_xml`."""
    workbook = Workbook()
    workbook.active.append(["title", "issuer", "level"])
    original = io.BytesIO()
    workbook.save(original)
    crafted = io.BytesIO()
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(crafted, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member.filename, sheet_xml if member.filename == SHEET else source.read(member))
    return crafted.getvalue()


def _entity_expansion() -> bytes:
    # "Billion laughs", kept small: each entity repeats the one before ten times.
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10) for n in range(1, 9)
    )
    return (
        b'<?xml version="1.0"?><!DOCTYPE worksheet ['
        + entities
        + b"]>"
        + SHEET_HEAD
        + b'<row r="2"><c r="A2" t="inlineStr"><is><t>&lol8;</t></is></c></row>'
        + SHEET_TAIL
    )


def _many_rows(count: int) -> bytes:
    return SHEET_HEAD + b"".join(b'<row r="%d"/>' % n for n in range(2, count + 2)) + SHEET_TAIL


def test_a_workbook_with_a_dtd_is_refused_before_parsing():
    with pytest.raises(ImportFileError, match="DTD"):
        parse_file(_workbook_with_sheet(_entity_expansion()), "xlsx")


def test_a_small_workbook_that_expands_to_too_many_rows_is_refused_before_parsing():
    content = _workbook_with_sheet(_many_rows(importing.MAX_IMPORT_ROWS + 1))
    assert len(content) < 1_000_000

    with pytest.raises(ImportFileError, match=str(importing.MAX_IMPORT_ROWS)):
        parse_file(content, "xlsx")


def test_a_workbook_that_inflates_beyond_the_limit_is_refused(monkeypatch):
    content = _workbook_with_sheet(_many_rows(1000))
    monkeypatch.setattr(importing, "MAX_XLSX_UNCOMPRESSED_BYTES", 10_000)

    with pytest.raises(ImportFileError, match="MB"):
        parse_file(content, "xlsx")


def test_a_plain_workbook_within_the_limits_still_parses():
    data_row = (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>数字化转型补贴</t></is></c>'
        '<c r="B2" t="inlineStr"><is><t>工信局</t></is></c><c r="C2" t="inlineStr"><is><t>city</t></is></c></row>'
    ).encode()
    rows = parse_file(_workbook_with_sheet(SHEET_HEAD + data_row + SHEET_TAIL), "xlsx")

    assert [(row.number, row.cells["title"]) for row in rows] == [(2, "数字化转型补贴")]


@pytest.mark.parametrize("sheet", [_entity_expansion(), _many_rows(importing.MAX_IMPORT_ROWS + 1)])
def test_the_upload_of_such_a_workbook_answers_202_and_its_job_fails_with_the_reason(
    client_for, platform_operator, django_capture_on_commit_callbacks, sheet
):
    upload = SimpleUploadedFile("policies.xlsx", _workbook_with_sheet(sheet))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(platform_operator).post(
            "/api/v1/policy-imports/", {"file": upload}, format="multipart"
        )

    assert response.status_code == 202
    job = PolicyImportJob.objects.get()
    assert job.status == ImportJobStatus.FAILED
    assert job.failure and job.finished_at is not None
    assert not Policy.objects.exists()


def test_an_unforeseen_parse_crash_fails_the_job(monkeypatch, platform_operator):
    from policies import services

    def crash(content, file_format):
        raise RecursionError("a parser bug")

    monkeypatch.setattr(services, "parse_file", crash)
    job = PolicyImportJob.objects.create(filename="x.csv", file_format="csv", content=b"title\n")

    services.policy_import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED and job.failure


def test_the_sweep_fails_running_jobs_that_stopped_reporting_progress():
    dead = PolicyImportJob.objects.create(
        filename="dead.csv", file_format="csv", content=b"x", status=ImportJobStatus.RUNNING
    )
    alive = PolicyImportJob.objects.create(
        filename="alive.csv", file_format="csv", content=b"x", status=ImportJobStatus.RUNNING
    )
    PolicyImportJob.objects.filter(pk=dead.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=2))

    policy_import_jobs_sweep()

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == ImportJobStatus.FAILED and dead.failure and dead.finished_at is not None
    assert alive.status == ImportJobStatus.RUNNING
