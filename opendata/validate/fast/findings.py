"""Findings in frictionless's order, cut at its error limit, as report errors.

frictionless stops after the row that brings its error count to the limit and keeps the
first ``limit`` errors, so *which* errors a capped report holds depends on their order:
rows in file order, and within a row the order in which frictionless happens to read the
cells. It reads the ``unique`` fields first, then the primary key's, and the rest when
the row's errors are asked for; a blank row's cell errors are replaced by one blank-row
error. ``_row_order`` replays exactly that, for the few rows that make it into the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from opendata.prepare import PreparedTable
from opendata.report import CellError
from opendata.validate.fast.cells import ReadColumn
from opendata.validate.fast.keys import Repeats
from opendata.validate.fast.spec import FieldSpec
from opendata.validate.messages import BLANK_ROW_MESSAGE, constraint_message, key_message, type_message

Record = tuple[str, int, str]  # (kind: cell/unique/primary-key/blank-row, field, rule)


@dataclass
class Found:
    """Everything the engine found, by row index (0-based in the prepared table)."""

    specs: list[FieldSpec]
    reads: list[ReadColumn]
    unique: dict[int, Repeats]  # field index -> repeats
    primary: Repeats | None
    primary_fields: list[int]  # field indices, in primaryKey order


def report_errors(
    found: Found, prepared: PreparedTable, descriptors: list[dict[str, Any]], limit: int
) -> list[CellError]:
    """The report's errors, in frictionless's order, at most ``limit`` of them."""
    rows, fields, ranks = _cell_records(found)
    blank = _blank_rows(found)
    keep = ~blank[rows] if rows.size else np.zeros(0, dtype=bool)
    rows, fields, ranks = rows[keep], fields[keep], ranks[keep]
    names = row_names(prepared, found)
    return ordered_errors(found, rows, fields, ranks, np.flatnonzero(blank), names, descriptors, limit)


def ordered_errors(
    found: Found, rows: np.ndarray, fields: np.ndarray, ranks: np.ndarray, blank_rows: np.ndarray,
    names: RowNames, descriptors: list[dict[str, Any]], limit: int,
) -> list[CellError]:  # fmt: skip
    """Cell findings (row, field, rule rank), blank rows and key repeats as the report's errors,
    in frictionless's order, at most ``limit``: shared by the in-memory and the streamed check."""
    unique_at = {f: dict(zip(r.rows, range(len(r.rows)), strict=True)) for f, r in found.unique.items()}
    primary_at = dict(zip(found.primary.rows, range(len(found.primary.rows)), strict=True)) if found.primary else {}
    keyed = [r.rows for r in found.unique.values()] + [found.primary.rows if found.primary else []]
    every = np.concatenate([rows, blank_rows, *(np.asarray(k, np.int64) for k in keyed)])
    if not every.size:
        return []
    erring, counts = np.unique(every, return_counts=True)
    last = erring[min(int(np.searchsorted(np.cumsum(counts), limit)), erring.size - 1)]
    order = np.lexsort((ranks, fields, rows))
    order = order[rows[order] <= last]
    by_row: dict[int, dict[int, list[Record]]] = {}
    for i in order.tolist():
        rule = _rule(found.specs[fields[i]], int(ranks[i]))
        by_row.setdefault(int(rows[i]), {}).setdefault(int(fields[i]), []).append(("cell", int(fields[i]), rule))
    blank = set(blank_rows.tolist())
    out: list[CellError] = []
    for row in erring[erring <= last].tolist():
        uniques = {f: ("unique", f, "unique") for f, at in unique_at.items() if row in at}
        primary = ("primary-key", -1, "primary-key") if row in primary_at else None
        for record in _row_order(found, by_row.get(row, {}), uniques, primary, row in blank):
            out.append(error(record, row, found, names, descriptors, unique_at, primary_at))
            if len(out) >= limit:
                return out
    return out


def _cell_records(found: Found) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, fields, ranks = [], [], []
    for spec, read in zip(found.specs, found.reads, strict=True):
        findings = dict(read.findings)
        if spec.required and read.missing.any():
            findings["required"] = np.union1d(findings.get("required", []), np.flatnonzero(read.missing))
        for rule, at in findings.items():
            rows.append(np.asarray(at, dtype=np.int64))
            fields.append(np.full(len(at), spec.index, dtype=np.int64))
            ranks.append(np.full(len(at), _rank(spec, rule), dtype=np.int64))
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return np.concatenate(rows), np.concatenate(fields), np.concatenate(ranks)


def _rank(spec: FieldSpec, rule: str) -> int:
    """frictionless notes a type error alone, else each broken constraint in this order."""
    return 0 if rule == "type" else 1 + spec.checks.index(rule)


def _rule(spec: FieldSpec, rank: int) -> str:
    return "type" if rank == 0 else spec.checks[rank - 1]


def _blank_rows(found: Found) -> np.ndarray:
    """Every cell missing: frictionless reports the row as blank instead of its cells."""
    if not found.reads:
        return np.zeros(0, dtype=bool)
    blank: np.ndarray = np.logical_and.reduce([read.missing for read in found.reads])
    return blank


def _row_order(
    found: Found,
    cells: dict[int, list[Record]],
    uniques: dict[int, Record],
    primary: Record | None,
    blank: bool,
) -> list[Record]:
    """frictionless's order of one row's errors (resources/table.py row_stream, table/row.py)."""
    out: list[Record] = []
    read: set[int] = set()
    whole = False

    def read_cell(f: int) -> None:
        if f not in read:
            read.add(f)
            out.extend(cells.get(f, []))

    def read_row() -> None:
        nonlocal whole, out
        if not whole:
            whole = True
            for f in range(len(found.specs)):
                read_cell(f)
            if blank:
                out = [("blank-row", -1, "blank-row")]

    for spec in found.specs:
        if spec.unique:
            read_cell(spec.index)
            if spec.index in uniques:
                read_row()
                out.append(uniques[spec.index])
    if found.primary_fields:
        for f in found.primary_fields:
            read_cell(f)
        if primary:
            read_row()
            out.append(primary)
    read_row()
    return out


@dataclass(frozen=True)
class RowNames:
    """How the report names a row and a cell: what differs between the whole table in memory
    and one read in batches (opendata/streaming), so both build their errors with ``error``."""

    row: Callable[[int], int]  # table row (0-based) -> the row or line in the source
    row_word: str
    source_columns: dict[str, str]
    value: Callable[[int, int], str]  # (table row, field index) -> the cell as the report shows it


def error(
    record: Record, row: int, found: Found, names: RowNames, descriptors: list[dict[str, Any]],
    unique_at: dict[int, dict[int, int]], primary_at: dict[int, int],
) -> CellError:  # fmt: skip
    kind, f, rule = record
    at = names.row(row)
    if kind == "blank-row":
        return CellError("blank-row", BLANK_ROW_MESSAGE, at)
    if kind == "primary-key":
        assert found.primary is not None
        i = primary_at[row]
        keys = [found.specs[k].name for k in found.primary_fields]
        earlier = found.primary.previous[i]
        message = key_message(keys, names.row_word, names.row(earlier) if earlier >= 0 else None)
        return CellError("primary-key", message, at, ", ".join(keys), None, found.primary.values[i])
    spec = found.specs[f]
    if kind == "unique":
        repeats = found.unique[f]
        i = unique_at[f][row]
        message = key_message([spec.name], names.row_word, names.row(repeats.previous[i]))
        return CellError("unique", message, at, spec.name, None, repeats.values[i])
    value = names.value(row, f)
    source = names.source_columns.get(spec.name)
    if rule == "type":
        return CellError("type", type_message(descriptors[f]), at, spec.name, source, value)
    return CellError(rule, constraint_message(rule, str(spec.constraints[rule])), at, spec.name, source, value)


def row_names(prepared: PreparedTable, found: Found) -> RowNames:
    """The whole table's names: its source rows, and cells as the steward typed them."""
    return RowNames(
        prepared.source_row,
        prepared.row_word,
        prepared.source_columns,
        lambda row, f: cell_text(prepared, found.specs[f].name, row),
    )


def cell_text(prepared: PreparedTable, column: str, row: int) -> str:
    """The cell as the report shows it: as the steward typed it ('93,27'), else the prepared text."""
    value = prepared.table.column(column)[row].as_py()
    shown = "" if value is None else str(value)
    return prepared.cell_as_written(column, row, shown) or shown
