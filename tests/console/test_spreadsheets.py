"""The pure writers: formula neutralisation, typed cells, CSV batching, XLSX output."""

import csv
import io
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from console.spreadsheets import CSV_BATCH_ROWS, cell_value, csv_stream, neutralise, xlsx_write


@pytest.mark.parametrize(
    "text", ["=1+1", "+86 138", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd", '=HYPERLINK("x")']
)
def test_formula_starts_are_neutralised(text):
    assert neutralise(text) == "'" + text
    assert cell_value(text) == "'" + text


@pytest.mark.parametrize("text", ["无锡", "a=b", "1-2", "", " =x"])
def test_other_text_is_left_alone(text):
    assert neutralise(text) == text


def test_numbers_dates_and_ids_keep_their_type():
    assert cell_value(-5) == -5
    assert cell_value(Decimal("-1.50")) == Decimal("-1.50")
    assert cell_value(True) is True
    assert cell_value(None) is None
    assert cell_value(date(2026, 3, 1)) == date(2026, 3, 1)
    # Aware datetimes are shown in the platform's time zone (Asia/Shanghai), without the zone.
    assert cell_value(datetime(2026, 3, 1, 0, 30, tzinfo=UTC)) == datetime(2026, 3, 1, 8, 30)
    some_id = uuid.uuid4()
    assert cell_value(some_id) == str(some_id)
    assert cell_value({"b": "=x", "a": 1}) == '{"a": 1, "b": "=x"}'
    assert cell_value(["=a", "b"]) == "'=a, b"


def test_csv_starts_with_a_bom_and_yields_in_batches():
    rows = [(n, f"=row{n}") for n in range(CSV_BATCH_ROWS * 2 + 3)]
    chunks = list(csv_stream(["编号", "=名称"], iter(rows)))
    assert chunks[0].startswith("\ufeff")
    assert len(chunks) == 4  # the header, two full batches, the rest
    parsed = list(csv.reader(io.StringIO("".join(chunks).lstrip("\ufeff"))))
    assert parsed[0] == ["编号", "'=名称"]
    assert parsed[1] == ["0", "'=row0"]
    assert len(parsed) == len(rows) + 1


def test_xlsx_holds_the_rows_typed_and_neutralised():
    target = io.BytesIO()
    xlsx_write(
        ["名称", "金额"], iter([("=cmd", Decimal("-3.5")), ("正常", 7)]), target, sheet_title="成员" * 20
    )
    sheet = load_workbook(io.BytesIO(target.getvalue())).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["名称", "金额"],
        ["'=cmd", -3.5],
        ["正常", 7],
    ]
    assert len(sheet.title) == 31
