"""Validation: every constraint kind is caught and reported with the source row and column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from opendata import build
from opendata.manifest import load_manifest
from opendata.report import ValidationReport
from tests.helpers import write_dataset

FIELDS: list[dict[str, Any]] = [
    {"name": "code", "type": "string", "constraints": {"required": True, "pattern": "[0-9]{4}"}},
    {"name": "kind", "type": "string", "constraints": {"enum": ["a", "b"]}},
    {"name": "share", "type": "number", "constraints": {"minimum": 0, "maximum": 100}},
    {"name": "count", "type": "integer", "constraints": {"minimum": 0}},
    {"name": "day", "type": "date"},
    {"name": "name", "type": "string", "constraints": {"minLength": 2, "maxLength": 5, "unique": True}},
]
HEADER = "Kod;Typ;Andel;Antal;Dag;Namn\n"
SETTINGS = {"delimiter": ";", "decimal": ","}
COLUMNS = {"Kod": "code", "Typ": "kind", "Andel": "share", "Antal": "count", "Dag": "day", "Namn": "name"}


def check(tmp_path: Path, body: str, fields: list[dict[str, Any]] | None = None, **manifest: Any) -> ValidationReport:
    folder = write_dataset(
        tmp_path,
        "t-data",
        fields or FIELDS,
        (HEADER + body).encode(),
        SETTINGS,
        primary_key=["code"],
        columns=COLUMNS,
        **manifest,
    )
    m = load_manifest(folder)
    _, report = build.validate(m, build.parse(m, build.extract(m)))
    return report


def findings(report: ValidationReport) -> set[tuple[int | None, str | None, str]]:
    return {(e.row, e.column, e.rule) for e in report.errors}


def test_valid_file_with_decimal_commas(tmp_path: Path) -> None:
    report = check(tmp_path, "0001;a;95,5;3;2024-01-31;Ann\n0002;b;;0;;Bo\n")
    assert report.valid, report.errors
    assert report.row_count == 2


@pytest.mark.parametrize(
    ("row", "column", "rule", "value"),
    [
        ("0001;c;1;1;2024-01-01;Ann", "kind", "enum", "c"),
        ("0001;a;100,5;1;2024-01-01;Ann", "share", "maximum", "100,5"),
        ("0001;a;-1;1;2024-01-01;Ann", "share", "minimum", "-1"),
        ("0001;a;1;-3;2024-01-01;Ann", "count", "minimum", "-3"),
        ("01;a;1;1;2024-01-01;Ann", "code", "pattern", "01"),
        ("0001;a;1;1;2024-01-01;A", "name", "minLength", "A"),
        ("0001;a;1;1;2024-01-01;Annika", "name", "maxLength", "Annika"),
        ("0001;a;1;1;2024-02-30;Ann", "day", "type", "2024-02-30"),
        ("0001;a;1;1,5;2024-01-01;Ann", "count", "type", "1,5"),
        ("0001;a;många;1;2024-01-01;Ann", "share", "type", "många"),
        (";a;1;1;2024-01-01;Ann", "code", "required", ""),
    ],
)
def test_each_constraint_is_reported_with_source_line_and_column(
    tmp_path: Path, row: str, column: str, rule: str, value: str
) -> None:
    report = check(tmp_path, "0009;a;1;1;2024-01-01;Zed\n" + row + "\n")
    assert not report.valid
    error = next(e for e in report.errors if e.column == column and e.rule == rule)
    assert error.row == 3  # line 3 of the file: header, a good row, then this one
    assert error.value == value  # as the steward typed it, decimal comma included
    assert error.source_column == next(k for k, v in COLUMNS.items() if v == column)
    assert error.message


def test_unique_and_primary_key_duplicates(tmp_path: Path) -> None:
    report = check(tmp_path, "0001;a;1;1;;Ann\n0001;a;1;1;;Ann\n")
    assert (3, "name", "unique") in findings(report)
    pk = next(e for e in report.errors if e.rule == "primary-key")
    assert pk.row == 3 and pk.column == "code" and "first seen in line 2" in pk.message


def test_composite_primary_key(tmp_path: Path) -> None:
    fields = [{"name": "year", "type": "integer"}, {"name": "area", "type": "string"}]
    folder = write_dataset(
        tmp_path, "t-pk", fields, b"year,area\n2020,a\n2020,b\n2020,a\n", primary_key=["year", "area"]
    )
    m = load_manifest(folder)
    _, report = build.validate(m, build.parse(m, build.extract(m)))
    assert [(e.row, e.column, e.rule, e.value) for e in report.errors] == [(4, "year, area", "primary-key", "2020, a")]


def test_missing_and_extra_columns_stop_before_cell_checks(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path, "t-cols", FIELDS[:2], b"code,extra\n0001,secret\n")
    m = load_manifest(folder)
    _, report = build.validate(m, build.parse(m, build.extract(m)))
    assert findings(report) == {(None, "kind", "missing-column"), (None, "extra", "extra-column")}
    assert "not in the schema" in next(e.message for e in report.errors if e.rule == "extra-column")


def test_report_json_and_markdown_name_row_column_value_rule(tmp_path: Path) -> None:
    report = check(tmp_path, "0001;x;1;1;2024-01-01;Ann\n")
    data = report.to_dict()
    assert data["valid"] is False and data["error_count"] == 1
    assert data["errors"][0] == {
        "rule": "enum",
        "message": "must be one of ['a', 'b']",
        "row": 2,
        "column": "kind",
        "source_column": "Typ",
        "value": "x",
    }
    markdown = report.to_markdown()
    assert "| 2 | kind (Typ) | x | enum | must be one of ['a', 'b'] |" in markdown
    assert "Nothing was published" in markdown


def test_excel_rows_are_numbered_as_in_the_workbook(tmp_path: Path) -> None:
    """The bundled PTS-like workbook is long (every municipality): a bad value on row 20 of the
    sheet, Örnsköldsvik's first row, says row 20 (not table row 1)."""
    import shutil

    from openpyxl import load_workbook

    root = Path(__file__).resolve().parent.parent
    shutil.copytree(root / "datasets", tmp_path / "datasets")
    shutil.copytree(root / "publishers", tmp_path / "publishers")
    shutil.copytree(root / "schemas", tmp_path / "schemas")
    path = tmp_path / "datasets/bredband/source/pts-tabellbilaga-hastighet-exempel.xlsx"
    book = load_workbook(path)
    sheet = book["Hastighet kommun hushåll"]
    assert (sheet["A20"].value, sheet["E20"].value, sheet["F20"].value) == (2016, "Örnsköldsvik", "total")
    sheet["H20"] = 1.5  # a share of 1.5: 150 %
    book.save(path)
    m = load_manifest(tmp_path / "datasets/bredband")
    _, report = build.validate(m, build.parse(m, build.extract(m)))
    assert [(e.row, e.column, e.source_column, e.rule, e.value) for e in report.errors] == [
        (20, "households_100mbit_pct", "Tillgång till minst 100 Mbit/s", "maximum", "150")
    ]
