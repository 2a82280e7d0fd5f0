"""Excel workbooks (``type: excel``): a named sheet whose header sits below title rows.

PTS publishes its broadband figures as a "tabellbilaga": several sheets, a few title rows
above the header, notes below the data. The manifest names the sheet and the header row;
the data ends at the first empty row.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from opendata.errors import SourceError
from opendata.sources.base import ParsedTable, RawSnapshot, Source, SourceSettingsBase, text_table
from opendata.sources.text import check_header, read_local

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExcelSettings(SourceSettingsBase):
    type: Literal["excel"]
    path: str = Field(description="the workbook (.xlsx), relative to the dataset folder")
    sheet: str = Field(min_length=1)
    header_row: int = Field(default=1, ge=1, description="the row that holds the column names")


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

    def fetch(self, settings: ExcelSettings, base_dir: Path, previous: RawSnapshot | None = None) -> RawSnapshot:
        return read_local(base_dir / settings.path, XLSX)

    def parse(self, settings: ExcelSettings, raw: RawSnapshot) -> ParsedTable:
        try:
            from openpyxl import load_workbook  # here, not at the top: only Excel sources need it

            book = load_workbook(io.BytesIO(raw.content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise SourceError(f"{raw.origin}: not a readable .xlsx workbook ({exc})") from None
        if settings.sheet not in book.sheetnames:
            raise SourceError(
                f"{raw.origin}: no sheet named '{settings.sheet}'; the workbook has: "
                + ", ".join(repr(s) for s in book.sheetnames)
            )
        rows = book[settings.sheet].iter_rows(min_row=settings.header_row)
        header_cells = next(rows, None)
        if header_cells is None:
            raise SourceError(f"{raw.origin}, sheet '{settings.sheet}': row {settings.header_row} is empty")
        header = [cell_text(c.value) for c in header_cells]
        while header and not header[-1]:
            header.pop()
        header = check_header(header, f"{raw.origin}, sheet '{settings.sheet}'", settings.header_row)
        data: list[list[str]] = []
        for cells in rows:
            values = [cell_text(c.value, getattr(c, "number_format", "General")) for c in cells[: len(header)]]
            if not any(values):
                break  # data ends at the first empty row; notes below it are not data
            data.append(values)
        book.close()
        return ParsedTable(
            text_table(header, data), f"{raw.origin}, sheet '{settings.sheet}'", settings.header_row + 1, "row"
        )
