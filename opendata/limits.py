"""Resource limits on what a source may make the pipeline hold, checked before reading.

A 1 MB workbook can unpack to gigabytes, and a file dropped into ``source/`` by mistake can
be any size; the pipeline shares a machine, so each read is bounded and a breach is one
sentence naming the file, the limit and the setting that raises it. The defaults sit well
above the bundled datasets and the 1M-row benchmark; each is an environment variable.
"""

from __future__ import annotations

from dataclasses import dataclass

from opendata.settings import Settings, env_name, settings


@dataclass(frozen=True)
class Limit:
    field: str  # of opendata.settings.Settings
    what: str

    @property
    def env(self) -> str:
        return env_name(self.field)

    @property
    def default(self) -> int:
        return int(Settings.model_fields[self.field].default)

    @property
    def value(self) -> int:
        return int(getattr(settings(), self.field))

    def describe(self) -> str:
        return f"{self.what} may be at most {self.value:,} ({self.env})".replace(",", " ")


SOURCE_BYTES = Limit("max_source_bytes", "a source file's size in bytes")
XLSX_UNCOMPRESSED_BYTES = Limit("max_xlsx_bytes", "a workbook's unpacked size in bytes")
CELLS = Limit("max_cells", "the number of cells read from a sheet")
CELL_BYTES = Limit("max_cell_bytes", "one cell's size in bytes")
STREAM_BYTES = Limit("stream_bytes", "a CSV file read whole into memory (larger ones are read in batches)")
