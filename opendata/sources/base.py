"""What every source type provides: ``extract`` the raw bytes, then ``parse`` them into a table of text.

``extract`` is the pipeline's extract step for this source; ``parse`` is where its validate
step starts. They are separate so that the raw bytes can be archived and a run can be
replayed from them. Parsing yields every cell as text (typing is the Table Schema's job),
plus the row in the source file where the data starts, so errors can name the row a
steward sees in the spreadsheet.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from opendata.sources.settings import SourceSettingsBase as SourceSettingsBase

if TYPE_CHECKING:  # pyarrow is imported where a table is made: reading a manifest needs none
    import pyarrow as pa

    from opendata.report import CellError


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class RawPart:
    """One response of a source that needs several (Kolada pages, Skolverket list + details).

    Kept byte for byte as received, so a replay parses exactly what the run parsed.
    """

    name: str  # file name inside an archived snapshot, e.g. "001-data.json"
    content: bytes
    url: str  # where it came from, without credentials
    media_type: str = "application/octet-stream"
    retrieved_at: datetime = field(default_factory=utc_now)
    validators: dict[str, str] = field(default_factory=dict)  # ETag, Last-Modified
    status: int | None = None  # HTTP status; 304 when the archived bytes were confirmed
    links: dict[str, str] = field(default_factory=dict)  # RFC 8288 Link header: rel -> URL

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class RawSnapshot:
    """The bytes a source delivered, and where and when they came from.

    A file or a single URL fills ``content``; a source that needs several responses puts
    them in ``parts`` (``content`` stays empty). Sources joined to the main one travel along
    in ``lookups``, so one object carries everything a run read, for archive and replay.
    """

    content: bytes
    origin: str  # path or URL, for messages and provenance
    media_type: str
    retrieved_at: datetime = field(default_factory=utc_now)
    validators: dict[str, str] = field(default_factory=dict)  # ETag, Last-Modified
    parts: tuple[RawPart, ...] = ()
    lookups: dict[str, RawSnapshot] = field(default_factory=dict)
    snapshot_id: str | None = None  # the archived snapshot holding these bytes
    replayed: str | None = None  # why the bytes came from the archive, when they did
    sample: bool = False  # the archived snapshot is marked as sample data, not a real answer
    not_modified: bool = False  # the source answered 304: the archived bytes are current
    file: Path | None = None  # a large local file read in batches from here (content stays empty)
    file_sha256: str = ""  # the file's SHA-256, computed once when it was opened

    @property
    def sha256(self) -> str:
        """SHA-256 of the bytes, or for several parts of their names and hashes in order."""
        if self.file is not None:
            return self.file_sha256
        if len(self.parts) <= 1:
            return hashlib.sha256(self.parts[0].content if self.parts else self.content).hexdigest()
        digest = hashlib.sha256()
        for part in self.parts:
            digest.update(f"{part.name} {part.sha256}\n".encode())
        return digest.hexdigest()

    def part_for(self, url: str) -> RawPart | None:
        """The part fetched from ``url``, for conditional requests (ETag, Last-Modified)."""
        return next((p for p in self.parts if p.url == url), None)


@dataclass(frozen=True)
class ParsedTable:
    """Every cell as text (empty string for an empty cell), under the source's own headers."""

    table: pa.Table
    origin: str
    first_data_row: int  # 1-based row (line) in the source that holds table row 0
    location: str = "row"  # how the source calls a row: "row" (sheet), "line" (text), "record" (JSON)
    findings: tuple[CellError, ...] = ()  # problems found while joining lookups (see opendata.join)
    # The source row of each table row, when the source kept only some rows (a long sheet
    # filtered to one municipality); None: consecutive from first_data_row.
    row_numbers: tuple[int, ...] | None = None
    stream: Any = None  # a CsvStream (opendata.streaming) when the rows are read in batches; table is empty

    def source_row(self, index: int) -> int:
        """The row (or line) in the source of table row ``index`` (0-based)."""
        if self.row_numbers is not None and 0 <= index < len(self.row_numbers):
            return self.row_numbers[index]
        return self.first_data_row + index


S = TypeVar("S", bound=SourceSettingsBase)


class Source(Generic[S]):
    """A source type. Subclasses set ``settings_model`` and implement extract and parse."""

    settings_model: ClassVar[type[SourceSettingsBase]]
    needs_network: ClassVar[bool] = False

    def extract(self, settings: S, base_dir: Path, previous: RawSnapshot | None = None) -> RawSnapshot:
        """Read the source. ``previous`` is the latest archived snapshot (network sources send
        its validators and reuse its bytes on 304); file sources ignore it."""
        raise NotImplementedError

    def parse(self, settings: S, raw: RawSnapshot) -> ParsedTable:
        raise NotImplementedError

    def metadata(self, settings: S, raw: RawSnapshot) -> dict[str, Any]:
        """What the source says about its data (e.g. Kolada's KPI titles), for the metadata."""
        return {}


def text_table(header: list[str], rows: list[list[str]]) -> pa.Table:
    """An all-string Arrow table from a header and rows of text (short rows padded)."""
    import pyarrow as pa

    from opendata.arrow_build import strings

    width = len(header)
    columns = [[(row[i] if i < len(row) else "") for row in rows] for i in range(width)]
    return pa.table({name: strings(col) for name, col in zip(header, columns, strict=True)})
