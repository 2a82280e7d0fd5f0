"""Excel workbooks (``type: excel``): a named sheet, its header on ``header_row``.

A steward's workbook may have title rows above the header and notes below the data
(``header_row``, ``footer_rows``). PTS's "tabellbilaga" is a long sheet instead: header on
row 1, every municipality's rows, shares as decimals 0 to 1. ``where`` keeps one
municipality's rows (``opendata.sources.long_rows``), ``ignore_columns`` leaves out the
columns the dataset does not publish, and ``fractions`` names the share columns, published
as percent.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from opendata import limits
from opendata.errors import SourceError
from opendata.report import CellError
from opendata.sources.base import ParsedTable, RawSnapshot, Source, text_table
from opendata.sources.long_rows import column_index, drop_columns, keep_rows
from opendata.sources.settings import ExcelSettings as ExcelSettings
from opendata.sources.text import check_header, read_local

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell_text(value: Any, number_format: str = "General") -> str:
    """A cell as the steward sees it: dates ISO 8601, percent cells in percent, no float noise."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, int | float):
        number = float(value) * 100 if "%" in number_format else float(value)
        number = round(number, 10)
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value).strip()


class ExcelSource(Source[ExcelSettings]):
    settings_model = ExcelSettings

    def extract(self, settings: ExcelSettings, base_dir: Path, previous: RawSnapshot | None = None) -> RawSnapshot:
        return read_local(base_dir / settings.path, XLSX)

    def parse(self, settings: ExcelSettings, raw: RawSnapshot) -> ParsedTable:
        _check_unpacked_size(raw)
        try:
            from openpyxl import load_workbook  # here, not at the top: only Excel sources need it

            book = load_workbook(io.BytesIO(raw.content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise SourceError(f"{raw.origin}: not a readable .xlsx workbook ({exc})") from None
        origin = f"{raw.origin}, sheet '{settings.sheet}'"
        try:
            if settings.sheet not in book.sheetnames:
                raise SourceError(
                    f"{raw.origin}: no sheet named '{settings.sheet}'; the workbook has: "
                    + ", ".join(repr(s) for s in book.sheetnames)
                )
            header, data = _read_sheet(book[settings.sheet], settings, origin)
        finally:
            book.close()
        first = settings.header_row + 1
        data = _without_footer(data, settings.footer_rows)
        if settings.where:  # a long sheet: its blank rows are not this dataset's rows
            data, numbers = keep_rows(header, data, settings.where, origin, first)
            header, data = drop_columns(header, data, settings.ignore_columns, origin)
            return ParsedTable(text_table(header, data), origin, first, "row", row_numbers=numbers)
        header, data = drop_columns(header, data, settings.ignore_columns, origin)
        findings = tuple(
            CellError(
                "blank-row",
                f"row {first + i} is empty inside the data (rows below it follow); delete it, or if the rows "
                "below are notes, set source.footer_rows to their number",
                row=first + i,
            )
            for i, values in enumerate(data)
            if not any(values)
        )
        return ParsedTable(text_table(header, data), origin, first, "row", findings)


def _check_unpacked_size(raw: RawSnapshot) -> None:
    """A zip bomb is refused from the archive's directory, before anything is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw.content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise SourceError(f"{raw.origin}: not a readable .xlsx workbook ({exc})") from None
    if unpacked > limits.XLSX_UNCOMPRESSED_BYTES.value:
        raise SourceError(
            f"{raw.origin}: the workbook unpacks to {unpacked:,} bytes; "
            f"{limits.XLSX_UNCOMPRESSED_BYTES.describe()}".replace(",", " ")
        )


def _read_sheet(sheet: Any, settings: ExcelSettings, origin: str) -> tuple[list[str], list[list[str]]]:
    """The header and every row below it to the last used row, with the cell limits checked."""
    declared = (sheet.max_row or 0) * (sheet.max_column or 0)  # the sheet's <dimension>, before any row
    if declared > limits.CELLS.value:
        raise SourceError(
            f"{origin}: the sheet declares {sheet.max_row} rows × {sheet.max_column} columns; {limits.CELLS.describe()}"
        )
    rows = sheet.iter_rows(min_row=settings.header_row)
    header_cells = next(rows, None)
    if header_cells is None:
        raise SourceError(f"{origin}: row {settings.header_row} is empty")
    header = [cell_text(c.value) for c in header_cells]
    while header and not header[-1]:
        header.pop()
    header = check_header(header, origin, settings.header_row)
    shares = {column_index(header, c, origin, "source.fractions") for c in settings.fractions}
    max_cells, max_cell = limits.CELLS.value, limits.CELL_BYTES.value
    cells_read = len(header)
    data: list[list[str]] = []
    for number, cells in enumerate(rows, start=settings.header_row + 1):
        values = [
            _share(c.value) if i in shares else cell_text(c.value, getattr(c, "number_format", "General"))
            for i, c in enumerate(cells[: len(header)])
        ]
        cells_read += len(values)
        if cells_read > max_cells:
            raise SourceError(f"{origin}: row {number}: too many cells; {limits.CELLS.describe()}")
        for column, value in enumerate(values):
            if len(value) > max_cell // 4 and len(value.encode("utf-8")) > max_cell:
                raise SourceError(
                    f"{origin}: row {number}, column '{header[column]}': the cell holds "
                    f"{len(value.encode('utf-8'))} bytes; {limits.CELL_BYTES.describe()}"
                )
        data.append(values)
    return header, data


def _share(value: Any) -> str:
    """A share 0 to 1 as percent, whatever the cell's format (95 % and 0.95 both mean 0.95)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return cell_text(float(value) * 100)
    return cell_text(value)


def _without_footer(data: list[list[str]], footer_rows: int) -> list[list[str]]:
    """Drop trailing blank rows (formatting), the declared notes, then the blank rows above them."""

    def strip(rows: list[list[str]]) -> list[list[str]]:
        end = len(rows)
        while end and not any(rows[end - 1]):
            end -= 1
        return rows[:end]

    data = strip(data)
    if footer_rows:
        data = strip(data[: max(0, len(data) - footer_rows)])
    return data
