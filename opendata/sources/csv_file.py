"""CSV files a steward exports (``type: csv``): declared delimiter, encoding, decimal mark.

Swedish office software writes ``;`` between cells, a decimal comma and Windows-1252;
the manifest declares that dialect, and this module reads exactly that, never guessing.
"""

from __future__ import annotations

import codecs
import csv
import struct
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from opendata import limits
from opendata.errors import SourceError
from opendata.sources.base import ParsedTable, RawSnapshot, Source
from opendata.sources.settings import CsvDialect as CsvDialect
from opendata.sources.settings import CsvSettings as CsvSettings
from opendata.sources.text import (
    check_cell_sizes,
    check_header,
    decode,
    drop_trailing_blank_rows,
    read_local,
    stream_local,
    utf8_content,
)

BLOCK_BYTES = 16 * 1024 * 1024  # Arrow's read block: one line must fit in it


class CsvSource(Source[CsvSettings]):
    settings_model = CsvSettings

    def extract(self, settings: CsvSettings, base_dir: Path, previous: RawSnapshot | None = None) -> RawSnapshot:
        path = base_dir / settings.path
        if path.is_file() and path.stat().st_size > limits.STREAM_BYTES.value:
            return stream_local(path, "text/csv")  # read in batches from the file, never whole
        return read_local(path, "text/csv")

    def parse(self, settings: CsvSettings, raw: RawSnapshot) -> ParsedTable:
        if raw.file is not None:
            return parse_stream(settings, raw)
        return parse_with_dialect(settings, raw)


def parse_stream(dialect: CsvDialect, raw: RawSnapshot) -> ParsedTable:
    """A large file as a stream of batches (opendata.streaming); the table holds only the header."""
    from opendata.streaming.reader import open_stream

    assert raw.file is not None
    stream = open_stream(raw.file, raw.origin, dialect.delimiter, dialect.quote_char, dialect.encoding,
                         dialect.bom, dialect.header_row)  # fmt: skip
    empty = pa.table({name: pa.array([], pa.string()) for name in stream.header})
    return ParsedTable(empty, raw.origin, stream.first_data_row, "line", stream=stream)


def parse_with_dialect(dialect: CsvDialect, raw: RawSnapshot) -> ParsedTable:
    """Raw bytes in the declared dialect -> an all-string table (any CSV source ends here)."""
    _not_utf16_in_disguise(raw, dialect.encoding)
    data = utf8_content(raw, dialect.encoding, dialect.bom)
    try:
        return parse_csv_bytes(data, raw.origin, dialect.delimiter, dialect.quote_char, dialect.header_row)
    except _NotUtf8:
        decode(raw, dialect.encoding, dialect.bom)  # says which line and byte
        raise SourceError(f"{raw.origin}: not valid {dialect.encoding}") from None


def _not_utf16_in_disguise(raw: RawSnapshot, encoding: str) -> None:
    """UTF-16 read as an 8-bit encoding looks like ragged lines; say what it is instead."""
    if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        return
    head = raw.content[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (head and head.count(b"\x00") > len(head) // 4):
        raise SourceError(
            f"{raw.origin}: the file looks like UTF-16 (a UTF-16 byte order mark or NUL bytes between the "
            f"letters), but the manifest says encoding: {encoding}; save it as UTF-8, or set encoding: utf-16"
        )


def parse_csv_text(text: str, origin: str, delimiter: str, quote_char: str, header_row: int) -> ParsedTable:
    """Parse CSV text into an all-string Arrow table; a ragged line is a clear error."""
    return parse_csv_bytes(text.encode("utf-8"), origin, delimiter, quote_char, header_row)


class _NotUtf8(Exception):
    """Bytes that are not UTF-8 reached the parser (only a UTF-8 source passes uncopied)."""


def parse_csv_bytes(data: bytes, origin: str, delimiter: str, quote_char: str, header_row: int) -> ParsedTable:
    """Parse UTF-8 CSV bytes into an all-string Arrow table; a ragged line is a clear error.

    Only the lines up to the header are decoded in Python; Arrow reads (and checks the
    UTF-8 of) the rest, so a large file is not held as text and as a list of lines too.
    """
    lines = _leading_lines(data, header_row)
    if len(lines) < header_row:
        raise SourceError(
            f"{origin}: expected the column names on line {header_row}, but the file has {len(lines)} lines"
        )
    cells = csv.reader([lines[header_row - 1]], delimiter=delimiter, quotechar=quote_char)
    header = check_header([h.strip() for h in next(cells, [])], origin, header_row)
    _check_utf8(data)  # before Arrow: its handler of a ragged line cannot decode a bad byte
    bad_rows: list[pacsv.InvalidRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad_rows.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=header_row, block_size=BLOCK_BYTES),
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
        if "UTF8" in str(exc):
            raise _NotUtf8(str(exc)) from None
        if "straddling" in str(exc):  # one line longer than a block: name it, not Arrow's words
            raise SourceError(_long_line(data, origin)) from None
        raise SourceError(f"{origin}: cannot read as CSV with delimiter {delimiter!r}: {exc}") from None
    if bad_rows:
        all_lines = data.decode("utf-8", errors="replace").splitlines()
        bad_lines = [_describe_ragged(row, all_lines) for row in bad_rows]
        shown = "; ".join(bad_lines[:10]) + (f"; and {len(bad_lines) - 10} more" if len(bad_lines) > 10 else "")
        from opendata.hints import delimiter_hint

        hint = delimiter_hint(lines[header_row - 1], delimiter, all_lines[header_row:])
        raise SourceError(
            f"{origin}: {len(bad_lines)} line(s) do not have {len(header)} cells separated by {delimiter!r}: "
            f"{shown}{hint}"
        )
    check_cell_sizes(table, origin, header_row + 1, "line")
    return ParsedTable(drop_trailing_blank_rows(table), origin, header_row + 1, "line")


def _long_line(data: bytes, origin: str) -> str:
    start, line = 0, 1
    while True:
        end = data.find(b"\n", start)
        stop = len(data) if end < 0 else end
        if stop - start > BLOCK_BYTES:
            break
        if end < 0:
            line = 0
            break
        start, line = end + 1, line + 1
    where = f"line {line}" if line else "a line"
    return f"{origin}: {where} is longer than {BLOCK_BYTES} bytes; {limits.CELL_BYTES.describe()}"


def _check_utf8(data: bytes) -> None:
    """Arrow's UTF-8 check on the bytes in place: one binary value built from buffers, not from a
    Python list (``pa.array([...])`` imports pandas, about a second of a light command)."""
    offsets = pa.py_buffer(struct.pack("<2q", 0, len(data)))
    value = pa.LargeBinaryArray.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        value.cast(pa.large_string())
    except pa.ArrowInvalid:
        raise _NotUtf8("data") from None


def _leading_lines(data: bytes, count: int) -> list[str]:
    """The lines up to line ``count`` (all, if the file is shorter), as str.splitlines splits."""
    end = -1
    for _ in range(count):
        end = data.find(b"\n", end + 1)
        if end < 0:
            break
    try:
        return (data if end < 0 else data[: end + 1]).decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise _NotUtf8("header") from None


def _describe_ragged(row: pacsv.InvalidRow, lines: list[str]) -> str:
    """Arrow does not always know the line number; find the line by its text."""
    number = row.number if row.number is not None and row.number > 0 else None
    if number is None:
        text = row.text.rstrip("\r\n")
        number = next((i + 1 for i, line in enumerate(lines) if line == text), None)
    where = f"line {number}" if number else f"the line {row.text[:60]!r}"
    return f"{where}: expected {row.expected_columns} cells, found {row.actual_columns}"
