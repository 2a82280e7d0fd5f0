"""data.csv and data.parquet written batch by batch while the file is validated.

Reading the file twice (once to validate, once to convert) would cost the CSV parse and
the typing twice, so the validated batches are written at once, into a staging folder:
``convert`` moves the two files into the build folder, and a table found invalid (or a
check that is never converted, as ``opendata validate``) leaves nothing behind, since
the folder goes with the object that holds it. Each file has its own writer thread, so
batch *n* is written while batch *n + 1* is validated; at most one batch waits (and the
Parquet writer holds the batches of one row group).
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from opendata.convert import _csv_ready, write_csv, write_parquet

STAGE_ENV = "OPENDATA_STREAM_TMP"


class Staged:
    """The staging folder of one table's files; removed when this object is."""

    def __init__(self, parent: str | None = None) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="opendata-stream-", dir=parent))
        self.rows = 0
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self.directory), True)

    @property
    def csv(self) -> Path:
        return self.directory / "data.csv"

    @property
    def parquet(self) -> Path:
        return self.directory / "data.parquet"

    def move_to(self, directory: Path) -> None:
        """Both files into ``directory`` (a rename on one file system, else a copy)."""
        for path in (self.csv, self.parquet):
            shutil.move(str(path), str(directory / path.name))
        self.discard()

    def discard(self) -> None:
        self._cleanup()


class StagedWriter:
    """Writes typed batches to a ``Staged`` folder; ``close`` finishes both files."""

    def __init__(self, staged: Staged, schema: pa.Schema) -> None:
        self.staged = staged
        self.schema = schema
        self._csv: pacsv.CSVWriter | None = None
        self._parquet: pq.ParquetWriter | None = None
        self._threads = [ThreadPoolExecutor(max_workers=1) for _ in range(2)]
        self._pending: list[Future[None]] = []
        self._group: list[pa.Table] = []  # typed batches of the next Parquet row group
        self.finished = False  # both files complete: the table was valid

    def write(self, table: pa.Table) -> None:
        self._wait()
        self.staged.rows += table.num_rows
        self._pending = [
            self._threads[0].submit(self._write_csv, table),
            self._threads[1].submit(self._write_parquet, table),
        ]

    def close(self) -> None:
        self._wait()
        self._threads[1].submit(self._flush_group).result()
        for thread in self._threads:
            thread.shutdown()
        if self._csv is None:  # no rows at all: the files of an empty table, as convert writes them
            empty = self.schema.empty_table()
            write_csv(empty, self.staged.csv)
            write_parquet(empty, self.staged.parquet)
        else:
            self._csv.close()
            if self._parquet is not None:
                self._parquet.close()
        self.finished = True

    def abort(self) -> None:
        """Stop writing (the table is invalid): the staged files will not be used."""
        try:
            self._wait()
        finally:
            for thread in self._threads:
                thread.shutdown()
            for writer in (self._csv, self._parquet):
                if writer is not None:
                    writer.close()
            self.staged.discard()

    def _wait(self) -> None:
        for future in self._pending:
            future.result()
        self._pending = []

    def _write_csv(self, table: pa.Table) -> None:
        ready = _csv_ready(table)
        if self._csv is None:
            self._csv = pacsv.CSVWriter(self.staged.csv, ready.schema, write_options=_CSV_OPTIONS)
        self._csv.write_table(ready)

    def _write_parquet(self, table: pa.Table) -> None:
        """Batches gathered to ROW_GROUP_ROWS rows, one row group each (as one table has few)."""
        self._group.append(table)
        if sum(t.num_rows for t in self._group) >= ROW_GROUP_ROWS:
            self._flush_group()

    def _flush_group(self) -> None:
        if not self._group:
            return
        table = pa.concat_tables(self._group)  # no copy: the row group is written from its chunks
        self._group = []
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.staged.parquet, table.schema, compression="zstd",
                                             write_statistics=True)  # fmt: skip
        self._parquet.write_table(table)


_CSV_OPTIONS = pacsv.WriteOptions(quoting_header="none")
# Rows of a Parquet row group: a group per batch (27,000-54,000 rows) made the file a fifth
# larger than the in-memory path's one group per million rows, and cost more CPU; 131,072
# rows hold about 17 MB of typed rows (the file is then about 15 % larger than one group).
ROW_GROUP_ROWS = 131_072
