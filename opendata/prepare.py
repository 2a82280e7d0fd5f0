"""From the source's table to the schema's table: rename, reorder, normalise number cells.

The manifest's ``columns`` maps source headers to schema field names. A column the schema
expects but the file lacks, or one the schema does not know (which could publish data
nobody meant to publish), is an error in the report, not a surprise on the portal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from opendata.arrow_build import string
from opendata.citations import cite
from opendata.hints import did_you_mean
from opendata.manifest import Manifest
from opendata.report import CellError
from opendata.sources import ParsedTable
from opendata.table_schema import TableSchema


@dataclass(frozen=True)
class PreparedTable:
    """All-string table with the schema's field names, in schema order."""

    table: pa.Table
    origin: str
    first_data_row: int
    row_word: str
    source_columns: dict[str, str]  # schema field -> header in the source
    as_written: dict[str, pa.ChunkedArray] = field(default_factory=dict)  # before normalising
    typed: pa.Table | None = None  # the same table typed by the schema, once validation made it
    schema: TableSchema | None = None  # the schema it was prepared (and validated) against
    row_numbers: tuple[int, ...] | None = None  # the source row of each row, if not consecutive
    staged: Any = None  # a streamed table's data.csv/data.parquet, written while validated (Staged)

    def cell_as_written(self, column: str, index: int, fallback: str | None) -> str | None:
        """A cell as the steward typed it ('93,27'), for messages about normalised columns."""
        original = self.as_written.get(column)
        if original is None or not 0 <= index < len(original):
            return fallback
        return str(original[index].as_py())

    def source_row(self, index: int) -> int:
        """The row (or line) in the source file of table row ``index`` (0-based)."""
        if self.row_numbers is not None and 0 <= index < len(self.row_numbers):
            return self.row_numbers[index]
        return self.first_data_row + index


def prepare(parsed: ParsedTable, manifest: Manifest, schema: TableSchema) -> tuple[PreparedTable, list[CellError]]:
    """The parsed table under the schema's names and order, and what is wrong with its columns."""
    header = parsed.table.column_names
    constants = {**manifest.constants, **(manifest.citations.constants() if manifest.citations else {})}
    field_to_source = {manifest.columns.get(name, name): name for name in header}
    errors = column_errors(parsed, manifest, schema, field_to_source, constants)
    present = [n for n in schema.field_names if n in field_to_source or n in constants]
    columns, as_written = _columns(parsed, manifest, schema, field_to_source, present, constants)
    table = pa.table(columns, names=present) if present else pa.table({})
    if manifest.citations:
        table, cited = cite(table, manifest.citations, parsed.source_row, set(manifest.constants))
        errors += cited
    prepared = PreparedTable(
        table,
        parsed.origin,
        parsed.first_data_row,
        parsed.location,
        {name: field_to_source.get(name, "(constant)") for name in present},
        as_written,
        schema=schema,
        row_numbers=parsed.row_numbers,
    )
    return prepared, errors


def column_errors(
    parsed: ParsedTable,
    manifest: Manifest,
    schema: TableSchema,
    field_to_source: dict[str, str],
    constants: dict[str, str],
) -> list[CellError]:
    """Columns mapped but absent, both a column and a constant, required but absent, or unknown."""
    mapping, header = manifest.columns, parsed.table.column_names
    errors: list[CellError] = []
    for source_name in mapping:
        if source_name not in header:
            errors.append(
                CellError(
                    "missing-column",
                    f"the manifest maps column '{source_name}' but {parsed.origin} has no such column"
                    f"{did_you_mean(source_name, header)}; it has: {', '.join(header)}",
                    column=mapping[source_name],
                    source_column=source_name,
                )
            )
    for name in constants:
        if name in field_to_source:
            errors.append(
                CellError(
                    "constant-column",
                    f"'{name}' is both a column of the file and a constant in the manifest; keep one",
                    column=name,
                )
            )
    for name in schema.field_names:
        if name in constants or name in field_to_source:
            continue
        if not any(e.column == name for e in errors):
            errors.append(
                CellError("missing-column", f"the file has no column '{name}' (required by the schema)", column=name)
            )
    for target, source_name in field_to_source.items():
        if target not in schema.field_names:
            errors.append(
                CellError(
                    "extra-column",
                    f"column '{source_name}' is not in the schema: add it to {schema.path.name} "
                    "or map it in the manifest's 'columns', or remove it from the file",
                    column=target,
                    source_column=source_name,
                )
            )
    return errors


def _columns(
    parsed: ParsedTable,
    manifest: Manifest,
    schema: TableSchema,
    field_to_source: dict[str, str],
    present: list[str],
    constants: dict[str, str],
) -> tuple[list[pa.ChunkedArray], dict[str, pa.ChunkedArray]]:
    """The schema's columns in order: trimmed, constants filled in, numbers in the declared dialect
    normalised (with the cells as written kept, for the report)."""
    decimal = getattr(manifest.source, "decimal", ".")
    thousands = getattr(manifest.source, "thousands", "")
    numeric = set(schema.numeric_fields)
    columns = []
    as_written: dict[str, pa.ChunkedArray] = {}
    rows = parsed.table.num_rows
    for name in present:
        if name in constants and name not in field_to_source:
            columns.append(pa.chunked_array([pa.repeat(string(constants[name]), rows)]))
            continue
        column = trim(parsed.table.column(field_to_source[name]))
        if name in numeric and (decimal != "." or thousands):
            as_written[name] = column
            column = normalise_number(column, decimal, thousands)
        columns.append(column)
    return columns, as_written


def trim(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Cells without surrounding whitespace; the column itself (no copy) when none has any."""
    if not _edges_may_be_space(column):
        return column
    trimmed = pc.utf8_trim_whitespace(column)
    if pc.sum(pc.binary_length(trimmed)) == pc.sum(pc.binary_length(column)):
        return column  # trimming only removes bytes: as many bytes means nothing was trimmed
    return trimmed


def _edges_may_be_space(column: pa.ChunkedArray) -> bool:
    """Whether any cell starts or ends with a byte that could be whitespace.

    Looks at one byte at each end of each cell (Arrow's buffers, via numpy): a control
    character, a space, or any non-ASCII byte (which might belong to a Unicode space)
    means "maybe", and the column is trimmed for real. Plain ASCII edges mean "no".
    """
    if not pa.types.is_string(column.type):
        return True
    for chunk in column.chunks:
        _, offsets_buffer, data_buffer = chunk.buffers()
        if data_buffer is None or chunk.null_count:
            return True
        offsets = np.frombuffer(offsets_buffer, np.int32)[chunk.offset : chunk.offset + len(chunk) + 1]
        starts, ends = offsets[:-1], offsets[1:]
        filled = ends > starts
        data = np.frombuffer(data_buffer, np.uint8)
        edges = np.concatenate([data[starts[filled]], data[ends[filled] - 1]])
        if ((edges <= 0x20) | (edges >= 0x7F)).any():
            return True
    return False


def normalise_number(column: pa.ChunkedArray, decimal: str, thousands: str) -> pa.ChunkedArray:
    """'1 234,5' -> '1234.5' under the declared dialect; anything else is left for validation."""
    if thousands:
        column = pc.replace_substring(column, thousands, "")
    if decimal == ",":
        column = pc.replace_substring(column, ",", ".")
    return column
