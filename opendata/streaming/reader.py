"""A large CSV file read from disk in record batches of text, never whole.

The in-memory reader (``opendata.sources.csv_file``) holds the file's bytes and its text
table; at 20 million rows that is several gigabytes. This reader hands Arrow's streaming
CSV reader the path, so memory stays at a few blocks whatever the file's size, and it
keeps the in-memory reader's rules: the declared dialect, every cell as text, the line
each row comes from, a ragged line or an oversized cell as one sentence, and trailing
rows of empty cells dropped (held back until a later row shows they are not trailing).
"""

from __future__ import annotations

import codecs
import csv
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from opendata.errors import SourceError
from opendata.sources.text import check_cell_sizes, check_header, last_data_row

BLOCK_ENV = "OPENDATA_STREAM_BLOCK_BYTES"
BLOCK_BYTES = 4 * 1024 * 1024  # Arrow's read block, about 27,000 rows of the benchmark's shape
BATCH_BLOCKS = 2  # blocks per batch handed on: half the batches (the per-batch work is paid less often)
AHEAD_BLOCKS = 4  # raw blocks read before they are parsed, at most
# Arrow's streaming reader reads up to 32 blocks ahead in the background (its queue limit),
# whatever the consumer's pace: 16 MiB blocks held ~0.5 GB of raw bytes on a busy machine.
# The file is handed to Arrow through ``_Paced``, which lets its reading thread run only
# AHEAD_BLOCKS ahead of the parsed blocks. Blocks are parsed on this thread (use_threads=False:
# no parsed read-ahead either); the fields of each batch are checked, and the files written,
# on others.


def block_bytes() -> int:
    """Bytes per batch (``OPENDATA_STREAM_BLOCK_BYTES``); small values make many batches (tests)."""
    from opendata.settings import settings

    value = settings().stream_block_bytes
    return value if value > 0 else BLOCK_BYTES


@dataclass(frozen=True)
class Batch:
    """Rows of text and the 0-based index, in the whole table, of the batch's first row."""

    table: pa.Table
    start: int


@dataclass(frozen=True)
class CsvStream:
    """How to read one CSV file in batches; ``batches`` can be called again (a second pass)."""

    path: Path
    origin: str
    header: list[str]
    delimiter: str
    quote_char: str
    encoding: str
    header_row: int

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    def batches(self, columns: list[str] | None = None) -> Iterator[Batch]:
        """The rows in file order, as batches of text; ``columns`` reads only those."""
        bad: list[pacsv.InvalidRow] = []

        def on_invalid(row: pacsv.InvalidRow) -> str:
            bad.append(row)
            return "skip"

        names = columns or self.header
        paced = _Paced(self.path)
        reader = pacsv.open_csv(
            paced,
            read_options=pacsv.ReadOptions(
                column_names=self.header, skip_rows=self.header_row, block_size=block_bytes(),
                encoding=_arrow_encoding(self.encoding), use_threads=False,  # no read-ahead queue of blocks
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=self.delimiter, quote_char=self.quote_char, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in self.header},
                include_columns=names,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )  # fmt: skip
        start = 0
        held: list[pa.Table] = []  # rows of empty cells that may be the file's trailing ones
        try:
            for table in _coalesced(reader, paced):
                if bad:
                    raise SourceError(self._ragged(bad))
                check_cell_sizes(table, self.origin, self.first_data_row + start + _rows(held), "line")
                last = last_data_row(table)
                if last < 0:
                    held.append(table)
                    continue
                for blank in held:
                    yield Batch(blank, start)
                    start += blank.num_rows
                held = []
                yield Batch(table.slice(0, last + 1), start)
                start += last + 1
                if last + 1 < table.num_rows:
                    held.append(table.slice(last + 1))
        except pa.ArrowInvalid as exc:
            raise SourceError(self._unreadable(exc, start)) from None
        finally:
            paced.close()
        if bad:
            raise SourceError(self._ragged(bad))

    def _unreadable(self, exc: Exception, start: int) -> str:
        near = f"at or after line {self.first_data_row + start}"
        if "UTF8" in str(exc) or "decode" in str(exc).lower():
            return f"{self.origin}: not valid {self.encoding} {near}; check the manifest's 'encoding'"
        if "straddling" in str(exc):
            return f"{self.origin}: a line {near} is longer than {block_bytes()} bytes ({BLOCK_ENV})"
        return f"{self.origin}: cannot read as CSV with delimiter {self.delimiter!r} {near}: {exc}"

    def _ragged(self, bad: list[pacsv.InvalidRow]) -> str:
        shown = [f"{self._where(row)}: expected {row.expected_columns} cells, found {row.actual_columns}"
                 for row in bad[:10]]  # fmt: skip
        more = f"; and {len(bad) - 10} more" if len(bad) > 10 else ""
        return (
            f"{self.origin}: {len(bad)} line(s) do not have {len(self.header)} cells separated by "
            f"{self.delimiter!r}: {'; '.join(shown)}{more}"
        )

    def _where(self, row: pacsv.InvalidRow) -> str:
        """'line 62': the streaming reader does not count lines, so the line is found by its text."""
        if row.number is not None and row.number > 0:
            return f"line {row.number}"
        text = row.text.rstrip("\r\n")
        with self.path.open("r", encoding=self.encoding, errors="replace", newline="") as handle:
            for number, line in enumerate(handle, start=1):
                if number > self.header_row and line.rstrip("\r\n") == text:
                    return f"line {number}"
        return f"the line {row.text[:60]!r}"


def open_stream(path: Path, origin: str, delimiter: str, quote_char: str, encoding: str, bom: bool,
                header_row: int) -> CsvStream:  # fmt: skip
    """The stream of a file, its header read and checked as the in-memory reader checks it."""
    with path.open("rb") as handle:
        head = handle.read(4)
    has_bom = head.startswith(b"\xef\xbb\xbf")
    if bom and not has_bom:
        raise SourceError(f"{origin}: the manifest says the file starts with a BOM, but it does not")
    lines: list[str] = []
    with path.open("r", encoding="utf-8-sig" if has_bom else encoding, newline="") as handle:
        try:
            for line in handle:
                lines.append(line)
                if len(lines) >= header_row:
                    break
        except UnicodeDecodeError as exc:
            raise SourceError(f"{origin}: the first lines are not valid {encoding} ({exc.reason})") from None
    if len(lines) < header_row:
        raise SourceError(
            f"{origin}: expected the column names on line {header_row}, but the file has {len(lines)} lines"
        )
    cells = csv.reader([lines[header_row - 1].rstrip("\r\n")], delimiter=delimiter, quotechar=quote_char)
    header = check_header([h.strip() for h in next(cells, [])], origin, header_row)
    return CsvStream(path, origin, header, delimiter, quote_char, encoding, header_row)


def _arrow_encoding(encoding: str) -> str:
    """Arrow reads UTF-8 itself (a BOM is skipped); any other codec is transcoded as it reads."""
    name = codecs.lookup(encoding).name
    return "utf8" if name in ("utf-8", "utf-8-sig") else name


class _Paced(io.RawIOBase):
    """The file, read by Arrow's background thread at most AHEAD_BLOCKS blocks before ``parsed``.

    Its memory is then a few blocks, not Arrow's 32, whatever the block size; a read waits
    (ten seconds at most, so it can never hang) until the parser has caught up."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._file = path.open("rb")
        self._ready = threading.Condition()
        self._reads = 0
        self._parsed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with self._ready:
            self._ready.wait_for(lambda: self._reads - self._parsed < AHEAD_BLOCKS or self.closed, timeout=10.0)
            self._reads += 1
        return self._file.readinto(buffer)

    def parsed(self) -> None:
        """One more block parsed: the reading thread may read one more."""
        with self._ready:
            self._parsed += 1
            self._ready.notify_all()

    def close(self) -> None:
        with self._ready:
            self._file.close()
            super().close()
            self._ready.notify_all()


def _coalesced(reader: pacsv.CSVStreamingReader, paced: _Paced) -> Iterator[pa.Table]:
    """Arrow's batches, BATCH_BLOCKS of them to a table (one chunk each, no copy)."""
    pending: list[pa.RecordBatch] = []
    for record_batch in reader:
        paced.parsed()
        pending.append(record_batch)
        if len(pending) >= BATCH_BLOCKS:
            yield pa.Table.from_batches(pending)
            pending = []
    if pending:
        yield pa.Table.from_batches(pending)


def _rows(tables: list[pa.Table]) -> int:
    return sum(t.num_rows for t in tables)
