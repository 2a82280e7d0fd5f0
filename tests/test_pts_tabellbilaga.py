"""The ``bredband`` source reads PTS's real "tabellbilaga" layout, and its cited rows.

PTS's sheets are long: header on row 1, every municipality's rows, ``Område`` "total" and the
area types, shares as decimals 0 to 1. The real 2020 and 2021 figures for Örnsköldsvik are
fibre, which counts as ≥1 Gbit/s: they are filed under households_1gbit_pct (access or
possibility to connect) and households_1gbit_connected_pct, never under ≥100 Mbit/s.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from opendata import build
from opendata.errors import SourceError
from opendata.manifest import Manifest, load_manifest
from opendata.prepare import PreparedTable
from opendata.report import ValidationReport

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["Årtal", "Bas", "Aggregerat på", "Lännamn", "Kommunnamn", "Område", "Antal hushåll"]
MEASURES = [
    "Tillgång till minst 100 Mbit/s",
    "Tillgång till eller möjlighet att ansluta till minst 1 Gbit/s",
    "Ansluten till minst 1 Gbit/s",
]
# Only what was published for Örnsköldsvik (shares 0-1), the rest of each row empty.
REAL = [
    (2020, "total", [None, 0.95, None]),
    (2020, "glesbygd", [None, 0.83, None]),
    (2021, "total", [None, 0.95, 0.75]),
    (2021, "glesbygd", [None, 0.88, 0.68]),
]


def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "datasets", tmp_path / "datasets")
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    shutil.copytree(ROOT / "publishers", tmp_path / "publishers")
    return tmp_path / "datasets" / "bredband"


def real_layout(path: Path, rows: list[tuple[int, str, list[Any]]], code: bool = False) -> None:
    """A workbook as PTS publishes it: a sheet per level and unit, other municipalities too."""
    book = Workbook()
    book.active.title = "Om tabellbilagan"
    book["Om tabellbilagan"]["A1"] = "Tabellbilaga hastighet"
    county = book.create_sheet("Hastighet län hushåll")
    county.append(["Årtal", "Bas", "Aggregerat på", "Lännamn", "Område", "Antal hushåll", *MEASURES])
    county.append([2020, "Hushåll", "Län", "Västernorrlands län", "total", 120000, 0.9, 0.904, 0.772])
    sheet = book.create_sheet("Hastighet kommun hushåll")
    sheet.append([*HEADER[:4], *(["Kommunkod"] if code else []), *HEADER[4:], *MEASURES])
    for name, number in (("Kramfors", 2282), ("Örnsköldsvik", 2284), ("Sundsvall", 2281)):
        for year, area, shares in rows if name == "Örnsköldsvik" else [(2020, "total", [0.9, 0.9, 0.7])]:
            cells = [year, "Hushåll", "Kommun", "Västernorrlands län", *([number] if code else []), name, area]
            sheet.append([*cells, None if name == "Örnsköldsvik" else 9000, *shares])
    book.save(path)


def check(folder: Path) -> tuple[Manifest, PreparedTable, ValidationReport]:
    m = load_manifest(folder)
    prepared, report = build.validate(m, build.parse(m, build.extract(m)))
    return m, prepared, report


def test_a_real_layout_workbook_with_the_real_2020_and_2021_figures_is_valid(tmp_path: Path) -> None:
    folder = project(tmp_path)
    real_layout(folder / "source/pts-tabellbilaga-hastighet-exempel.xlsx", REAL)
    _, prepared, report = check(folder)
    assert report.valid, [e.message for e in report.errors]
    rows = {(r["year"], r["area_type"]): r for r in prepared.table.to_pylist()}
    assert set(rows) == {("2020", "total"), ("2020", "glesbygd"), ("2021", "total"), ("2021", "glesbygd")}
    # fibre is ≥1 Gbit/s: 95 % and 83 % are access or possibility to connect, not ≥100 Mbit/s
    assert [rows[k]["households_1gbit_pct"] for k in sorted(rows)] == ["83", "95", "88", "95"]
    assert {r["households_100mbit_pct"] for r in rows.values()} == {""}
    assert rows[("2021", "total")]["households_1gbit_connected_pct"] == "75"
    assert rows[("2021", "glesbygd")]["households_1gbit_connected_pct"] == "68"
    assert all(r["is_sample"] == "false" for r in rows.values())
    assert "SSNF 2021-03-31" in rows[("2020", "total")]["source_note"]
    assert "infrastrukturnyheter.se 2022-04-05" in rows[("2021", "total")]["source_note"]
    assert prepared.row_numbers == (3, 4, 5, 6)  # Kramfors is row 2: sheet rows, not table rows


def test_the_bundled_sample_workbook_keeps_the_cited_rows_apart(tmp_path: Path) -> None:
    _, prepared, report = check(project(tmp_path))
    assert report.valid and prepared.table.num_rows == 27
    rows = prepared.table.to_pylist()
    cited = [(r["year"], r["area_type"]) for r in rows if r["is_sample"] == "false"]
    assert cited == [("2020", "total"), ("2020", "glesbygd"), ("2021", "total"), ("2021", "glesbygd")]
    assert {r["source_note"] for r in rows if r["is_sample"] == "true"} == {"Exempeldata (inte uppmätt)"}


def test_filtered_by_code_where_excel_lost_the_leading_zero(tmp_path: Path) -> None:
    folder = project(tmp_path)
    real_layout(folder / "source/pts-tabellbilaga-hastighet-exempel.xlsx", REAL, code=True)
    manifest = folder / "dataset.yaml"
    text = manifest.read_text(encoding="utf-8").replace("    Kommunnamn: Örnsköldsvik ", '    Kommunkod: "02284" ')
    manifest.write_text(text.replace("ignore_columns: [Bas,", "ignore_columns: [Kommunkod, Bas,"), encoding="utf-8")
    _, prepared, report = check(folder)
    assert report.valid, [e.message for e in report.errors]
    assert prepared.table.num_rows == 4


def test_no_row_for_the_municipality_names_what_the_column_holds(tmp_path: Path) -> None:
    folder = project(tmp_path)
    manifest = folder / "dataset.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("Kommunnamn: Örnsköldsvik", "Kommunnamn: Örnsköldsviks kommun"),
        encoding="utf-8",
    )
    with pytest.raises(SourceError, match=r"no row has Kommunnamn = 'Örnsköldsviks kommun' \(source\.where\)") as err:
        check(folder)
    assert "'Örnsköldsvik'" in str(err.value) and "'Härnösand'" in str(err.value)


def test_a_filter_column_the_sheet_lacks_is_named(tmp_path: Path) -> None:
    folder = project(tmp_path)
    manifest = folder / "dataset.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("    Kommunnamn: Örnsköldsvik", "    Kommunamn: Örnsköldsvik"),
        encoding="utf-8",
    )
    with pytest.raises(SourceError, match=r"source\.where names column 'Kommunamn'.*did you mean 'Kommunnamn'"):
        check(folder)


def test_shares_are_percent_whatever_the_cell_format_and_a_percent_typed_share_is_refused(tmp_path: Path) -> None:
    folder = project(tmp_path)
    path = folder / "source/pts-tabellbilaga-hastighet-exempel.xlsx"
    real_layout(path, [(2019, "total", [0.896, 0.81, 0.65]), (2022, "total", [0.97, 96.0, 0.8]), *REAL])
    from openpyxl import load_workbook

    book = load_workbook(path)
    book["Hastighet kommun hushåll"]["H3"].number_format = "0.0%"  # shown as 89.6 %, stored as 0.896
    book.save(path)
    _, prepared, report = check(folder)
    assert prepared.table.to_pylist()[0]["households_100mbit_pct"] == "89.6"
    # 96 typed as percent in a share column: 9600 %, reported on its sheet row (4, below Kramfors)
    assert [(e.row, e.column, e.rule, e.value) for e in report.errors] == [
        (4, "households_1gbit_pct", "maximum", "9600")
    ]


def test_a_cited_row_holds_only_the_cited_figures(tmp_path: Path) -> None:
    folder = project(tmp_path)
    rows: list[tuple[int, str, list[Any]]] = [
        (2020, "total", [0.93, 0.95, None]),
        (2020, "glesbygd", [None, None, None]),
        *REAL[2:],
    ]
    real_layout(folder / "source/pts-tabellbilaga-hastighet-exempel.xlsx", rows)
    _, _, report = check(folder)
    found = [(e.row, e.column, e.rule, e.value) for e in report.errors]
    assert (3, "households_100mbit_pct", "uncited-value", "93") in found  # a sample value passing as published
    assert (4, "households_1gbit_pct", "citation", None) in found  # cited, but empty
    assert not report.valid


def test_a_citation_that_matches_no_row_is_an_error(tmp_path: Path) -> None:
    folder = project(tmp_path)
    real_layout(folder / "source/pts-tabellbilaga-hastighet-exempel.xlsx", REAL[:3])
    _, _, report = check(folder)
    [error] = report.errors
    assert error.rule == "citation" and error.message.startswith("the citation 'PTS bredbandskartläggning okt 2021")
    assert error.message.endswith(
        "matches no row (year = 2021, area_type = glesbygd); correct its 'where' in the manifest's citations"
    )
