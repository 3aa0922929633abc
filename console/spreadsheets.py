"""Streaming CSV and XLSX writers: plain functions over an iterator of rows, no ORM.

Both keep memory flat whatever the number of rows: the CSV writer yields text in batches as
rows arrive; the XLSX writer uses openpyxl's write-only mode, which writes each row to a
temporary file at once instead of building the sheet in memory.

Cells are neutralised against formula injection (CSV/Excel injection, OWASP): a text cell
that begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be evaluated by a
spreadsheet as a formula, so it gets a leading apostrophe, which spreadsheets show as text.
Numbers are written as numbers, so a negative amount is not touched.
"""

import csv
import io
import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import IO

from django.utils import timezone
from openpyxl import Workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_BATCH_ROWS = 500
# Excel opens a UTF-8 CSV with Chinese text correctly only when it starts with a byte-order mark.
UTF8_BOM = "\ufeff"
SHEET_TITLE_MAX = 31


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def cell_value(value):
    """A Python value as a spreadsheet cell: numbers and dates stay typed, text is neutralised,
    aware datetimes are shown in the platform's time zone (XLSX has no time zones)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, date):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return neutralise(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))
    if isinstance(value, list | tuple):
        return neutralise(", ".join(str(item) for item in value))
    return neutralise(str(value))


def _csv_text(value) -> str:
    value = cell_value(value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def csv_stream(header: list[str], rows: Iterable[tuple]) -> Iterator[str]:
    """The CSV text of `header` and `rows`, yielded in batches of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(str(title)) for title in header])
    yield UTF8_BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    pending = 0
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
        pending += 1
        if pending == CSV_BATCH_ROWS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


def xlsx_write(header: list[str], rows: Iterable[tuple], target: IO[bytes], *, sheet_title: str) -> None:
    """Write an XLSX workbook with one sheet to the binary file `target`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:SHEET_TITLE_MAX])
    sheet.append([neutralise(str(title)) for title in header])
    for row in rows:
        sheet.append([cell_value(value) for value in row])
    workbook.save(target)
