"""Resource limits on what a source may make the pipeline hold, checked before reading.

A 1 MB workbook can unpack to gigabytes, and a file dropped into ``source/`` by mistake can
be any size; the pipeline shares a machine, so each read is bounded and a breach is one
sentence naming the file, the limit and the setting that raises it. The defaults sit well
above the bundled datasets and the 1M-row benchmark; each is an environment variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limit:
    env: str
    default: int
    what: str

    @property
    def value(self) -> int:
        raw = os.environ.get(self.env, "").strip()
        return int(raw) if raw.isdigit() else self.default

    def describe(self) -> str:
        return f"{self.what} may be at most {self.value:,} ({self.env})".replace(",", " ")


SOURCE_BYTES = Limit("OPENDATA_MAX_SOURCE_BYTES", 1024 * MIB, "a source file's size in bytes")
XLSX_UNCOMPRESSED_BYTES = Limit("OPENDATA_MAX_XLSX_BYTES", 512 * MIB, "a workbook's unpacked size in bytes")
CELLS = Limit("OPENDATA_MAX_CELLS", 50_000_000, "the number of cells read from a sheet")
STREAM_BYTES = Limit(
    "OPENDATA_STREAM_BYTES", 64 * MIB, "a CSV file read whole into memory (larger ones are read in batches)"
)
CELL_BYTES = Limit("OPENDATA_MAX_CELL_BYTES", 1 * MIB, "one cell's size in bytes")
