"""data.xlsx: Swedish titles as headers, typed cells, a data dictionary sheet, fixed bytes."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from opendata.excel import FIXED_DOC_TIME, FIXED_ZIP_TIME
from tests.test_convert import run_build


def test_workbook_has_titles_typed_cells_and_a_dictionary(tmp_path: Path) -> None:
    b = run_build("skolor-wifi", tmp_path / "b")
    book = load_workbook(b.file("data-xlsx").path)
    assert book.sheetnames == ["Data", "Om datan"]
    data = book["Data"]
    header = [c.value for c in data[1]]
    assert header == [f["title"] for f in b.schema.fields]
    assert data.max_row == b.row_count + 1
    first = {h: c.value for h, c in zip(header, data[2], strict=True)}
    assert isinstance(first["Latitud"], float) and isinstance(first["Antal accesspunkter"], int)
    assert isinstance(first["Senaste inventering"], date)
    about = [[c.value for c in row] for row in book["Om datan"].iter_rows()]
    flat = [v for row in about for v in row if v is not None]
    assert "Licens" in flat and "https://creativecommons.org/publicdomain/zero/1.0/" in flat
    dictionary = {row[1]: row for row in about if row and row[1] in b.schema.field_names}
    assert set(dictionary) == set(b.schema.field_names)
    assert dictionary["latitude"][2] == "Latitud i WGS84 (decimala grader)."
    assert "required" in dictionary["latitude"][5] and "minimum 55.0" in dictionary["latitude"][5]


def test_workbook_times_are_fixed_so_a_rerun_gives_the_same_bytes(tmp_path: Path) -> None:
    b = run_build("bredband", tmp_path / "b")
    with zipfile.ZipFile(b.file("data-xlsx").path) as archive:
        assert {info.date_time for info in archive.infolist()} == {FIXED_ZIP_TIME}
        core = archive.read("docProps/core.xml").decode()
    assert core.count(FIXED_DOC_TIME) == 2  # created and modified
    again = run_build("bredband", tmp_path / "again")
    assert again.file("data-xlsx").sha256 == b.file("data-xlsx").sha256
