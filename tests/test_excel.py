"""data.xlsx: Swedish titles as headers, typed cells, a data dictionary sheet, fixed bytes."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import load_workbook

from opendata import build
from opendata.excel import write_xlsx
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
    dictionary = {row[1]: row for row in about if len(row) > 1 and row[1] in b.schema.field_names}
    assert set(dictionary) == set(b.schema.field_names)
    assert dictionary["latitude"][2] == "Latitud i WGS84 (decimala grader)."
    assert "required" in dictionary["latitude"][5] and "minimum 55.0" in dictionary["latitude"][5]


def test_workbook_times_are_fixed_so_a_rerun_gives_the_same_bytes(tmp_path: Path) -> None:
    b = run_build("bredband", tmp_path / "b")
    with zipfile.ZipFile(b.file("data-xlsx").path) as archive:
        times = {info.date_time for info in archive.infolist()}
        assert len(times) == 1 and next(iter(times))[0] == 1980  # XlsxWriter's fixed entry time
        core = archive.read("docProps/core.xml").decode()
    assert core.count("1980-01-01T00:00:00Z") == 2  # created and modified
    again = run_build("bredband", tmp_path / "again")
    assert again.file("data-xlsx").sha256 == b.file("data-xlsx").sha256


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    b = run_build("skolor-wifi", tmp_path / "b")
    table = pq.read_table(b.file("data-parquet").path)
    index = table.column_names.index("comment")
    table = table.set_column(index, "comment", pa.array(['=HYPERLINK("http://x")'] * table.num_rows))
    write_xlsx(table, b.schema, b.manifest, tmp_path / "t.xlsx")
    cell = load_workbook(tmp_path / "t.xlsx")["Data"].cell(row=2, column=index + 1)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'


def test_xlsx_false_leaves_the_workbook_out(tmp_path: Path) -> None:
    b = run_build("strategi-uppfoljning", tmp_path / "b")
    manifest = b.manifest.model_copy(update={"xlsx": False})
    raw = build.extract(manifest, record=False)
    prepared, report = build.validate(manifest, build.parse(manifest, raw))
    without = build.convert(manifest, prepared, report, raw, tmp_path / "without")
    assert "data-xlsx" not in {f.key for f in without.files} and not (without.directory / "data.xlsx").exists()
