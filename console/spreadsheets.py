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


_FORMULA_FIRST = frozenset(FORMULA_PREFIXES)


def neutralise(text: str) -> str:
    return "'" + text if text[:1] in _FORMULA_FIRST else text


def _same(value):
    return value


def _local_datetime(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(timezone.get_default_timezone())
    return value.replace(tzinfo=None, microsecond=0)


def _json(value) -> str:
    return neutralise(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def _joined(value) -> str:
    return neutralise(", ".join(str(item) for item in value))


# Dispatch on the exact type: an export converts millions of cells, and one dictionary lookup
# is several times cheaper than a chain of isinstance checks.
_CELL = {
    str: neutralise,
    int: _same,
    float: _same,
    Decimal: _same,
    bool: _same,
    type(None): _same,
    datetime: _local_datetime,
    date: _same,
    uuid.UUID: str,
    dict: _json,
    list: _joined,
    tuple: _joined,
}
# csv.writer writes None as an empty field and numbers, dates and ids with str() itself.
_CSV_CELL = {
    **{kind: _same for kind in (int, float, Decimal, bool, type(None), date, uuid.UUID)},
    str: neutralise,
    datetime: lambda value: _local_datetime(value).isoformat(sep=" "),
    dict: _json,
    list: _joined,
    tuple: _joined,
}


def cell_value(value):
    """A Python value as a spreadsheet cell: numbers and dates stay typed, text is neutralised,
    aware datetimes are shown in the platform's time zone (XLSX has no time zones)."""
    convert = _CELL.get(type(value))
    return convert(value) if convert is not None else neutralise(str(value))


def _csv_text(value):
    convert = _CSV_CELL.get(type(value))
    return convert(value) if convert is not None else neutralise(str(value))


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
