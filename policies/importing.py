"""Reading policy files (JSON Lines, CSV, XLSX) into numbered rows of cells.

Parsing happens completely before anything is written, so a file that cannot be read at all
changes nothing; a single bad line or row is reported with its number and the others go on.
Row numbers are what a person sees: the line in a JSON Lines file, the spreadsheet row
(the header is row 1) in CSV and XLSX.
"""

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

from policies.records import FIELDS

FORMATS = ("jsonl", "csv", "xlsx")

# Limits checked before a file is parsed, so that a small upload cannot make a worker parse
# millions of rows or inflate a zip bomb (an XLSX is a zip of XML files): more rows than the
# largest real library import, and the uncompressed XML of a workbook that size with room to spare.
MAX_IMPORT_ROWS = 200_000
MAX_XLSX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
# A row element in a worksheet's XML (<row ...>, possibly with a namespace prefix).
_XLSX_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
# A document type declaration, in the encodings an XML part may use (UTF-8, UTF-16 LE and BE).
_DTD_MARKERS = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))
# Column headers people write in Chinese spreadsheets, besides the field names themselves.
HEADER_ALIASES = {
    "标题": "title",
    "政策标题": "title",
    "政策名称": "title",
    "文号": "document_number",
    "发文字号": "document_number",
    "发文机关": "issuer",
    "发布机构": "issuer",
    "发文单位": "issuer",
    "级别": "level",
    "政策级别": "level",
    "区划代码": "region_code",
    "适用地区代码": "region_code",
    "发布日期": "published_on",
    "申报开始": "application_opens",
    "申报开始日期": "application_opens",
    "申报截止": "application_closes",
    "申报截止日期": "application_closes",
    "生效日期": "valid_from",
    "有效期至": "valid_until",
    "失效日期": "valid_until",
    "类别": "categories",
    "政策类别": "categories",
    "摘要": "summary",
    "全文": "full_text",
    "正文": "full_text",
    "来源": "source_url",
    "原文链接": "source_url",
    "扶持方式": "benefit_type",
    "最高金额": "max_amount",
    "最高金额（元）": "max_amount",
    "申报条件": "eligibility_rule",
    "状态": "status",
    "服务费补贴比例": "covers_share",
    "服务补贴比例": "covers_share",
    "服务补贴上限": "covers_cap",
    "服务补贴上限（元）": "covers_cap",
    "适用服务类别": "covers_categories",
    "可叠加": "stackable",
    "是否可叠加": "stackable",
    "不可同享政策": "exclusive_with",
    "互斥政策": "exclusive_with",
    "财政资金占比上限": "max_public_share",
    "公共资金占比上限": "max_public_share",
}


class ImportFileError(Exception):
    """The file as a whole cannot be read; nothing is imported."""


@dataclass
class RawRow:
    number: int
    cells: dict | None
    # Set when the row itself cannot be read (bad JSON on that line).
    error: str = ""


def detect_format(filename: str) -> str:
    lower = filename.lower()
    for suffix, file_format in (
        (".jsonl", "jsonl"),
        (".ndjson", "jsonl"),
        (".json", "jsonl"),
        (".csv", "csv"),
        (".xlsx", "xlsx"),
    ):
        if lower.endswith(suffix):
            return file_format
    raise ImportFileError(_("Unknown file type %(name)s: use .jsonl, .csv or .xlsx.") % {"name": filename})


def parse_file(content: bytes, file_format: str) -> list[RawRow]:
    if file_format not in FORMATS:
        raise ImportFileError(
            _("Unknown format %(format)s: use jsonl, csv or xlsx.") % {"format": file_format}
        )
    if not content.strip():
        raise ImportFileError(_("The file is empty."))
    rows = {"jsonl": _parse_jsonl, "csv": _parse_csv, "xlsx": _parse_xlsx}[file_format](content)
    if not rows:
        raise ImportFileError(_("The file holds no rows."))
    if len(rows) > MAX_IMPORT_ROWS:
        raise _too_many_rows()
    return rows


def _too_many_rows() -> "ImportFileError":
    return ImportFileError(
        _("The file holds more than %(limit)d rows: split it into several imports.")
        % {"limit": MAX_IMPORT_ROWS}
    )


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Spreadsheets saved as CSV on Chinese Windows are GB18030 (a superset of GBK).
        return content.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is neither UTF-8 nor GB18030 text.")) from None


def _parse_jsonl(content: bytes) -> list[RawRow]:
    text = _decode(content)
    rows, readable = [], 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            cells = json.loads(line)
        except ValueError as error:
            rows.append(RawRow(number, None, _("Not valid JSON: %(error)s") % {"error": error}))
            continue
        if not isinstance(cells, dict):
            rows.append(RawRow(number, None, _("Each line must be a JSON object.")))
            continue
        readable += 1
        rows.append(RawRow(number, cells))
    if rows and not readable:
        raise ImportFileError(_("No line of the file is a JSON object: this is not a JSON Lines file."))
    return rows


def _columns(header: list) -> list[str | None]:
    columns = []
    for cell in header:
        name = str(cell).strip() if cell is not None else ""
        field = name if name in FIELDS else HEADER_ALIASES.get(name)
        columns.append(field)
    missing = [field for field in ("title", "issuer", "level") if field not in columns]
    if missing:
        raise ImportFileError(
            _("The header row lacks the columns %(missing)s (found: %(found)s).")
            % {"missing": ", ".join(missing), "found": ", ".join(str(cell) for cell in header if cell) or "-"}
        )
    return columns


def _table_rows(records) -> list[RawRow]:
    iterator = iter(records)
    header = next(iterator, None)
    if header is None:
        return []
    columns = _columns(list(header))
    rows = []
    for number, record in enumerate(iterator, start=2):
        record = list(record)
        if not any(cell not in (None, "") for cell in record):
            continue
        cells = {field: value for field, value in zip(columns, record, strict=False) if field is not None}
        rows.append(RawRow(number, cells))
    return rows


def _parse_csv(content: bytes) -> list[RawRow]:
    text = _decode(content)
    try:
        return _table_rows(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise ImportFileError(_("Not a readable CSV file: %(error)s") % {"error": error}) from None


def xlsx_check(content: bytes) -> None:
    """Refuse a workbook before openpyxl parses it: one whose parts inflate beyond
    MAX_XLSX_UNCOMPRESSED_BYTES (the sizes the zip declares, which reading never exceeds), one with a
    DTD in any part (entity expansion: no spreadsheet application writes one), or one whose
    worksheets hold more than MAX_IMPORT_ROWS rows."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ImportFileError(_("Not a readable XLSX workbook: %(error)s") % {"error": error}) from None
    with archive:
        members = archive.infolist()
        if sum(member.file_size for member in members) > MAX_XLSX_UNCOMPRESSED_BYTES:
            raise ImportFileError(
                _("The workbook expands to more than %(limit)d MB: split it into several imports.")
                % {"limit": MAX_XLSX_UNCOMPRESSED_BYTES // 2**20}
            )
        rows = 0
        for member in members:
            if member.is_dir():
                continue
            try:
                data = archive.read(member)
            except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError) as error:
                raise ImportFileError(
                    _("Not a readable XLSX workbook: %(error)s") % {"error": error}
                ) from None
            if any(marker in data for marker in _DTD_MARKERS):
                raise ImportFileError(
                    _("The workbook holds a DTD (a document type declaration), which is refused.")
                )
            if member.filename.startswith("xl/worksheets/"):
                rows += len(_XLSX_ROW.findall(data))
                if rows > MAX_IMPORT_ROWS:
                    raise _too_many_rows()


def _parse_xlsx(content: bytes) -> list[RawRow]:
    from openpyxl import load_workbook

    xlsx_check(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds (zip, XML, KeyError, ...) for a broken file
        raise ImportFileError(_("Not a readable XLSX workbook: %(error)s") % {"error": error}) from None
    try:
        sheet = workbook.worksheets[0]
        return _table_rows(sheet.iter_rows(values_only=True))
    except ImportFileError:
        raise
    except Exception as error:
        raise ImportFileError(_("Not a readable XLSX workbook: %(error)s") % {"error": error}) from None
    finally:
        workbook.close()
