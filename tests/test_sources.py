"""Sources: Swedish office CSV (';', decimal comma, Windows-1252, BOM) and Excel with title rows."""

from __future__ import annotations

import io
import math
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from opendata.errors import SourceError
from opendata.sources.base import RawSnapshot
from opendata.sources.csv_file import CsvSettings, CsvSource, parse_csv_text
from opendata.sources.excel import ExcelSettings, ExcelSource, cell_text

OFFICE_CSV = (
    "Skolenhetskod;Namn;Latitud;Kommentar\r\n"
    "12345678;Ängsskolan;63,2909;Öppet nät\r\n"
    "87654321;Åsskolan;63,1;\r\n"
    ";;;\r\n"
)


def csv_settings(**kw: object) -> CsvSettings:
    return CsvSettings.model_validate({"type": "csv", "path": "data.csv", **kw})


def parse(content: bytes, **kw: object):
    return CsvSource().parse(csv_settings(**kw), RawSnapshot(content, "data.csv", "text/csv"))


def test_windows_1252_semicolon_decimal_comma_file() -> None:
    parsed = parse(OFFICE_CSV.encode("cp1252"), delimiter=";", encoding="windows-1252", decimal=",")
    assert parsed.table.column_names == ["Skolenhetskod", "Namn", "Latitud", "Kommentar"]
    assert parsed.table.column("Namn").to_pylist() == ["Ängsskolan", "Åsskolan"]  # trailing ';;;' row dropped
    assert parsed.table.column("Latitud").to_pylist() == ["63,2909", "63,1"]  # text: typing is the schema's job
    assert parsed.table.column("Kommentar").to_pylist() == ["Öppet nät", ""]
    assert parsed.first_data_row == 2


def test_utf8_bom_is_stripped_and_can_be_required() -> None:
    content = b"\xef\xbb\xbf" + b"a,b\n1,2\n"
    assert parse(content).table.column_names == ["a", "b"]
    assert parse(content, bom=True).table.column_names == ["a", "b"]
    with pytest.raises(SourceError, match="says the file starts with a BOM"):
        parse(b"a,b\n1,2\n", bom=True)


def test_wrong_encoding_names_the_line_and_suggests_a_fix() -> None:
    with pytest.raises(SourceError) as info:
        parse(OFFICE_CSV.encode("cp1252"), delimiter=";", encoding="utf-8")
    assert "line 2 is not valid utf-8" in str(info.value)
    assert "windows-1252" in str(info.value)


def test_ragged_line_is_named() -> None:
    with pytest.raises(SourceError, match=r"line 3: expected 2 cells, found 3"):
        parse_csv_text("a;b\n1;2\n3;4;5\n", "f.csv", ";", '"', 1)


def test_header_row_below_title_lines() -> None:
    parsed = parse_csv_text("Rapport 2024\n\nå;b\n1;2\n", "f.csv", ";", '"', 3)
    assert parsed.table.column_names == ["å", "b"]
    assert parsed.first_data_row == 4


def test_duplicate_and_blank_headers_are_errors() -> None:
    with pytest.raises(SourceError, match="names a column more than once: a"):
        parse(b"a,a\n1,2\n")
    with pytest.raises(SourceError, match="without a name at position 2"):
        parse(b"a,,c\n1,2,3\n")


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="source file not found"):
        CsvSource().extract(csv_settings(path="nope.csv"), tmp_path)


@given(
    st.lists(
        st.lists(
            st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12), min_size=3, max_size=3
        ),
        min_size=1,
        max_size=20,
    )
)
def test_quoted_csv_round_trips_any_text(rows: list[list[str]]) -> None:
    """Whatever a cell holds (';', quotes, unicode), a quoted export parses back to the same text."""
    rows = [r for r in rows if any(c.strip() for c in r)] or [["x", "y", "z"]]

    def quote(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"'

    text = "a;b;c\r\n" + "".join(";".join(quote(c) for c in r) + "\r\n" for r in rows)
    parsed = parse(text.encode("utf-8"), delimiter=";")
    got = [list(r) for r in zip(*(parsed.table.column(n).to_pylist() for n in "abc"), strict=True)]
    assert got == rows


def pts_like_workbook() -> bytes:
    book = Workbook()
    book.active.title = "Om"
    sheet = book.create_sheet("Kommun")
    sheet["A1"] = "Tabell 1. Tillgång till bredband"
    sheet["A2"] = "Andel (%)"
    sheet.append([])
    sheet.append(["År", "Område", "Hushåll", "Datum", "Exempel"])
    sheet.append([2020, "Hela kommunen", 0.95, datetime(2020, 10, 1), False])
    sheet["C5"].number_format = "0.0%"
    sheet.append([2021, "Landsbygd", 83.4, date(2021, 10, 1), True])
    sheet.append([])
    sheet.append(["Källa: PTS"])  # a note below the data is not data
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_excel_sheet_with_title_rows_and_notes() -> None:
    settings = ExcelSettings.model_validate(
        {"type": "excel", "path": "x.xlsx", "sheet": "Kommun", "header_row": 4, "footer_rows": 1}
    )
    parsed = ExcelSource().parse(settings, RawSnapshot(pts_like_workbook(), "x.xlsx", "application/xlsx"))
    assert parsed.findings == ()
    assert parsed.table.column_names == ["År", "Område", "Hushåll", "Datum", "Exempel"]
    assert parsed.table.to_pylist() == [
        {"År": "2020", "Område": "Hela kommunen", "Hushåll": "95", "Datum": "2020-10-01", "Exempel": "false"},
        {"År": "2021", "Område": "Landsbygd", "Hushåll": "83.4", "Datum": "2021-10-01", "Exempel": "true"},
    ]
    assert parsed.first_data_row == 5  # errors name the row a steward sees in Excel


def test_excel_blank_row_inside_the_data_is_reported_not_the_end() -> None:
    """Without footer_rows the note is data, so the blank row above it is inside the data."""
    settings = ExcelSettings.model_validate({"type": "excel", "path": "x.xlsx", "sheet": "Kommun", "header_row": 4})
    parsed = ExcelSource().parse(settings, RawSnapshot(pts_like_workbook(), "x.xlsx", "application/xlsx"))
    assert parsed.table.num_rows == 4  # read to the last used row
    assert [(f.rule, f.row) for f in parsed.findings] == [("blank-row", 7)]
    assert "footer_rows" in parsed.findings[0].message


def test_excel_missing_sheet_lists_the_sheets() -> None:
    settings = ExcelSettings.model_validate({"type": "excel", "path": "x.xlsx", "sheet": "Län"})
    with pytest.raises(SourceError, match="no sheet named 'Län'; the workbook has: 'Om', 'Kommun'"):
        ExcelSource().parse(settings, RawSnapshot(pts_like_workbook(), "x.xlsx", "application/xlsx"))


def test_excel_rejects_a_file_that_is_not_a_workbook() -> None:
    settings = ExcelSettings.model_validate({"type": "excel", "path": "x.xlsx", "sheet": "A"})
    with pytest.raises(SourceError, match=r"not a readable \.xlsx workbook"):
        ExcelSource().parse(settings, RawSnapshot(b"a;b\n1;2\n", "x.xlsx", "application/xlsx"))


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_numeric_cells_keep_their_value(value: float) -> None:
    assert math.isclose(float(cell_text(value)), value, rel_tol=1e-9, abs_tol=1e-10)
