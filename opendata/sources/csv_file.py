"""CSV files a steward exports (``type: csv``): declared delimiter, encoding, decimal mark.

Swedish office software writes ``;`` between cells, a decimal comma and Windows-1252;
the manifest declares that dialect, and this module reads exactly that, never guessing.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.csv as pacsv
from pydantic import Field, field_validator

from opendata.errors import SourceError
from opendata.sources.base import ParsedTable, RawSnapshot, Source, SourceSettingsBase
from opendata.sources.text import check_header, decode, drop_trailing_blank_rows, read_local


class CsvSettings(SourceSettingsBase):
    type: Literal["csv"]
    path: str = Field(description="the file, relative to the dataset folder")
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quote_char: str = Field(default='"', min_length=1, max_length=1)
    encoding: str = "utf-8"
    bom: bool = Field(default=False, description="true when the file starts with a UTF-8 BOM")
    decimal: Literal[".", ","] = "."
    thousands: Literal["", " ", "\u00a0", ".", ","] = ""
    header_row: int = Field(default=1, ge=1, description="the line that holds the column names")

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding '{value}'; use e.g. utf-8 or windows-1252") from None
        return value


class CsvSource(Source[CsvSettings]):
    settings_model = CsvSettings

    def fetch(self, settings: CsvSettings, base_dir: Path, previous: RawSnapshot | None = None) -> RawSnapshot:
        return read_local(base_dir / settings.path, "text/csv")

    def parse(self, settings: CsvSettings, raw: RawSnapshot) -> ParsedTable:
        text = decode(raw, settings.encoding, settings.bom)
        return parse_csv_text(text, raw.origin, settings.delimiter, settings.quote_char, settings.header_row)


def parse_csv_text(text: str, origin: str, delimiter: str, quote_char: str, header_row: int) -> ParsedTable:
    """Parse CSV text into an all-string Arrow table; a ragged line is a clear error."""
    lines = text.splitlines()
    if len(lines) < header_row:
        raise SourceError(
            f"{origin}: expected the column names on line {header_row}, but the file has {len(lines)} lines"
        )
    header = next(csv.reader([lines[header_row - 1]], delimiter=delimiter, quotechar=quote_char), [])
    header = check_header([h.strip() for h in header], origin, header_row)
    bad_rows: list[pacsv.InvalidRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad_rows.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=header_row),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char=quote_char, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise SourceError(f"{origin}: cannot read as CSV with delimiter {delimiter!r}: {exc}") from None
    if bad_rows:
        bad_lines = [_describe_ragged(row, lines) for row in bad_rows]
        shown = "; ".join(bad_lines[:10]) + (f"; and {len(bad_lines) - 10} more" if len(bad_lines) > 10 else "")
        raise SourceError(
            f"{origin}: {len(bad_lines)} line(s) do not have {len(header)} cells separated by {delimiter!r}: {shown}"
        )
    return ParsedTable(drop_trailing_blank_rows(table), origin, header_row + 1, "line")


def _describe_ragged(row: pacsv.InvalidRow, lines: list[str]) -> str:
    """Arrow does not always know the line number; find the line by its text."""
    number = row.number if row.number is not None and row.number > 0 else None
    if number is None:
        text = row.text.rstrip("\r\n")
        number = next((i + 1 for i, line in enumerate(lines) if line == text), None)
    where = f"line {number}" if number else f"the line {row.text[:60]!r}"
    return f"{where}: expected {row.expected_columns} cells, found {row.actual_columns}"
