"""Helpers shared by the sources that read bytes into text tables."""

from __future__ import annotations

import codecs
import functools
import hashlib
import mimetypes
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from opendata import limits
from opendata.errors import SourceError
from opendata.sources.base import RawSnapshot

BOM = "\ufeff"


def read_local(path: Path, media_type: str | None = None) -> RawSnapshot:
    """The bytes of a local file, or a SourceError naming the path; the size is checked first."""
    try:
        size = path.stat().st_size
        if size > limits.SOURCE_BYTES.value:
            raise SourceError(f"{path}: the file has {size} bytes; {limits.SOURCE_BYTES.describe()}")
        content = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: source file not found") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read the source file: {exc.strerror}") from None
    guessed = mimetypes.guess_type(path.name)[0]
    return RawSnapshot(content, str(path), media_type or guessed or "application/octet-stream")


def stream_local(path: Path, media_type: str) -> RawSnapshot:
    """A large local file by its path, hashed but not read into memory (opendata.streaming).

    It is not bounded by OPENDATA_MAX_SOURCE_BYTES: that limit guards memory, and this file
    is read a few megabytes at a time."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read the source file: {exc.strerror}") from None
    return RawSnapshot(b"", str(path), media_type, file=path, file_sha256=digest.hexdigest())


def decode(raw: RawSnapshot, encoding: str, bom: bool) -> str:
    """Decode with the declared encoding; a wrong declaration names the byte and a fix."""
    content = raw.content
    has_bom = content.startswith(b"\xef\xbb\xbf")
    if bom and not has_bom:
        raise SourceError(f"{raw.origin}: the manifest says the file starts with a BOM, but it does not")
    if has_bom:
        content = content[3:]
        if encoding.lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig"):
            raise SourceError(
                f"{raw.origin}: the file starts with a UTF-8 BOM but the manifest says encoding: {encoding}"
            )
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise SourceError(
            f"{raw.origin}: line {line} is not valid {encoding} (byte {exc.object[exc.start]:#04x}); "
            "check the manifest's 'encoding' (Swedish office exports are often windows-1252)"
        ) from None
    if not has_bom and codecs.lookup(encoding).name not in ("utf-8", "ascii"):
        from opendata.hints import mojibake

        garbled = mojibake(content, encoding, text)
        if garbled:
            raise SourceError(f"{raw.origin}: {garbled}")
    return text.removeprefix(BOM)


def utf8_content(raw: RawSnapshot, encoding: str, bom: bool) -> bytes:
    """The content as UTF-8 without a BOM. UTF-8 sources pass as they are (Arrow checks
    the bytes while parsing); others are decoded here, with ``decode``'s messages."""
    try:
        utf8 = codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
    except LookupError:
        utf8 = False
    if not utf8:
        return decode(raw, encoding, bom).encode("utf-8")
    if raw.content.startswith(b"\xef\xbb\xbf"):
        return raw.content[3:]
    if bom:
        decode(raw, encoding, bom)  # raises: the manifest promised a BOM
    return raw.content


def check_cell_sizes(table: pa.Table, origin: str, first_row: int, row_word: str) -> None:
    """No cell larger than the limit: a sentence naming the row and column, not Arrow's error."""
    limit = limits.CELL_BYTES.value
    for name, column in zip(table.column_names, table.columns, strict=True):
        if column.null_count == len(column) or len(column) == 0:
            continue
        lengths = pc.binary_length(column)
        largest = pc.max(lengths).as_py()
        if largest is not None and largest > limit:
            index = int(pc.index(lengths, largest).as_py())
            raise SourceError(
                f"{origin}: {row_word} {first_row + index}, column '{name}': the cell holds {largest} bytes; "
                f"{limits.CELL_BYTES.describe()}"
            )


def check_header(header: list[str], origin: str, row: int) -> list[str]:
    """Column names must be present and distinct, or no cell can be named in a report."""
    if not any(header):
        raise SourceError(f"{origin}: row {row} should hold the column names but is empty")
    blanks = [str(i + 1) for i, name in enumerate(header) if not name]
    if blanks:
        raise SourceError(f"{origin}: row {row} has column(s) without a name at position {', '.join(blanks)}")
    twice = [name for name, n in Counter(header).items() if n > 1]
    if twice:
        raise SourceError(f"{origin}: row {row} names a column more than once: {', '.join(twice)}")
    return header


def drop_trailing_blank_rows(table: pa.Table) -> pa.Table:
    """Office exports often end with rows of empty cells (';;;;'): they are not data."""
    if table.num_rows == 0 or table.num_columns == 0:
        return table
    return table.slice(0, last_data_row(table) + 1)


def last_data_row(table: pa.Table) -> int:
    """The index of the last row with any non-blank cell; -1 when every row is blank.

    Looks only at the end of the table, in growing blocks, not at every row."""
    if table.num_rows == 0 or table.num_columns == 0:
        return -1
    end, size = table.num_rows, 64
    while end:
        start = max(0, end - size)
        tail = table.slice(start, end - start)
        # a cell has data when its trimmed length is not 0 (a cast, not a comparison with a
        # Python scalar: pyarrow's first Python conversion imports pandas, half a second)
        filled = [pc.cast(pc.utf8_length(pc.utf8_trim_whitespace(column)), pa.bool_()) for column in tail.columns]
        any_filled = functools.reduce(pc.or_kleene, filled)
        flags = pc.and_kleene(any_filled, pc.is_valid(any_filled))  # a null (absent) cell is blank
        data = pc.indices_nonzero(flags)
        if len(data):
            return int(start) + int(data[-1].as_py())
        end, size = start, size * 8
    return -1
