"""What every source type provides: fetch raw bytes, then parse them into a table of text.

Fetching and parsing are separate so that the raw bytes can be archived and a run can be
replayed from them. Parsing yields every cell as text (typing is the Table Schema's job),
plus the row in the source file where the data starts, so errors can name the row a
steward sees in the spreadsheet.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, Generic, TypeVar

import pyarrow as pa
from pydantic import BaseModel, ConfigDict


class SourceSettingsBase(BaseModel):
    """Settings of one source type; ``type`` is the registry key."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: str


@dataclass(frozen=True)
class RawSnapshot:
    """The bytes a source delivered, and where and when they came from."""

    content: bytes
    origin: str  # path or URL, for messages and provenance
    media_type: str
    retrieved_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    validators: dict[str, str] = field(default_factory=dict)  # ETag, Last-Modified

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class ParsedTable:
    """Every cell as text (empty string for an empty cell), under the source's own headers."""

    table: pa.Table
    origin: str
    first_data_row: int  # 1-based row (line) in the source that holds table row 0
    location: str = "row"  # how the source calls a row: "row" (sheet) or "line" (text file)


S = TypeVar("S", bound=SourceSettingsBase)


class Source(Generic[S]):
    """A source type. Subclasses set ``settings_model`` and implement fetch and parse."""

    settings_model: ClassVar[type[SourceSettingsBase]]
    needs_network: ClassVar[bool] = False

    def fetch(self, settings: S, base_dir: Path) -> RawSnapshot:
        raise NotImplementedError

    def parse(self, settings: S, raw: RawSnapshot) -> ParsedTable:
        raise NotImplementedError


def text_table(header: list[str], rows: list[list[str]]) -> pa.Table:
    """An all-string Arrow table from a header and rows of text (short rows padded)."""
    width = len(header)
    columns = [[(row[i] if i < len(row) else "") for row in rows] for i in range(width)]
    return pa.table({name: pa.array(col, pa.string()) for name, col in zip(header, columns, strict=True)})
