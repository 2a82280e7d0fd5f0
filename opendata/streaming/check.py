"""Validate and convert a streamed CSV file batch by batch: memory flat in the row count.

Per batch: prepare (rename, trim, normalise), read and check every field with the fast
engine's own functions (``opendata.validate.fast``), keep the findings (``findings.Gathered``),
the key fingerprints (``keys.Prints``) and the NaN/formula findings
(``opendata.doubtful``), and, while nothing is wrong, write the typed batch to the staged
CSV and Parquet files. At the end, key repeats are replayed exactly (a second, key-only
pass only where fingerprints meet) and the report is assembled in frictionless's order.
Rows are numbered in the whole table, so errors name the file's lines as before.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa

from opendata.doubtful import MAX_FINDINGS, _describe, _formula_rows, _neutralised, _non_finite
from opendata.manifest import Manifest
from opendata.prepare import PreparedTable, prepare
from opendata.report import CellError, ValidationReport
from opendata.settings import settings
from opendata.sources import ParsedTable
from opendata.streaming.findings import Gathered, Where, assemble
from opendata.streaming.keys import Prints, Replay, add_empty, empty_keys, key_fingerprints, present_prints
from opendata.streaming.reader import CsvStream
from opendata.streaming.writer import Staged, StagedWriter
from opendata.table_schema import TableSchema
from opendata.validate.fast.cells import read_column
from opendata.validate.fast.engine import _check_field
from opendata.validate.fast.keys import Repeats, _cells
from opendata.validate.fast.spec import FieldSpec, field_specs
from opendata.validate.messages import ERROR_LIMIT


@dataclass
class _Keys:
    """The key fields and what pass one keeps of them."""

    unique: dict[int, Prints]
    primary: Prints | None
    primary_fields: list[FieldSpec]
    empty: Repeats  # rows whose primary key is all empty


# Batches of the prepared table, in order, with the index of their first row; given field
# names, only those fields are needed (the key-only second pass).
BatchSource = Callable[[list[str] | None], Iterator[tuple[int, PreparedTable]]]


def stream_check(
    manifest: Manifest,
    parsed: ParsedTable,
    schema: TableSchema,
    header: PreparedTable,
    prior: list[CellError],
    refine: Callable[[ValidationReport], None] = lambda report: None,
) -> tuple[PreparedTable, ValidationReport]:
    """The report and, when valid, a PreparedTable whose ``staged`` files convert moves in place.

    ``refine`` rewrites the validation findings (opendata.hints) before the NaN and formula
    findings are added, in the in-memory path's order."""
    stream: CsvStream = parsed.stream
    if prior:  # columns are missing or unknown: count the rows, per-cell findings would repeat that
        report = ValidationReport(
            dataset=manifest.slug, source=parsed.origin, schema=schema.path.name, row_count=0,
            row_word=parsed.location, errors=list(prior), engine="arrow",
        )  # fmt: skip
        report.row_count = sum(b.table.num_rows for b in stream.batches(stream.header[:1]))
        refine(report)
        return header, report
    mapping = {target: source for source, target in manifest.columns.items()}

    def batches(fields: list[str] | None) -> Iterator[tuple[int, PreparedTable]]:
        columns = None
        if fields is not None:
            wanted = {mapping.get(n, n) for n in fields}
            columns = [c for c in stream.header if c in wanted] or stream.header[:1]
        for batch in stream.batches(columns):
            part = ParsedTable(batch.table, parsed.origin, stream.first_data_row + batch.start, parsed.location)
            yield batch.start, prepare(part, manifest, schema)[0]  # header problems were found up front

    staged = Staged(settings().stream_tmp or None)
    writer = StagedWriter(staged, schema.arrow_schema())
    report = validate_batches(
        manifest.slug, header, batches, schema, manifest.formulas, writer, _estimate(stream), refine=refine
    )
    if not writer.finished:
        return header, report
    return replace(header, staged=staged, schema=schema), report


def validate_batches(
    dataset: str, header: PreparedTable, batches: BatchSource, schema: TableSchema, formulas: str,
    writer: StagedWriter | None = None, expected_rows: int = 1 << 16, doubtful_values: bool = True,
    refine: Callable[[ValidationReport], None] | None = None,
) -> ValidationReport:  # fmt: skip
    """Every rule of ``schema`` on the batches; the typed batches go to ``writer`` while valid.

    ``writer.finished`` says whether the files were completed (the table is valid).
    ``doubtful_values`` adds opendata.doubtful's NaN and formula checks (the in-memory path
    runs them after validation; the differential test compares validation alone).
    """
    report = ValidationReport(
        dataset=dataset, source=header.origin, schema=schema.path.name, row_count=0,
        row_word=header.row_word, errors=[], engine="arrow",
    )  # fmt: skip
    specs = field_specs(schema)
    keys = _Keys(
        unique={s.index: Prints(expected_rows) for s in specs if s.unique},
        primary=Prints(expected_rows) if schema.primary_key else None,
        primary_fields=[specs[schema.field_names.index(n)] for n in schema.primary_key],
        empty=Repeats(),
    )
    gathered = Gathered(specs, ERROR_LIMIT)
    doubtful: dict[str, list[CellError]] = {}
    formula_found: dict[str, list[CellError]] = {}
    target = schema.arrow_schema()
    rows = 0
    workers = min(len(specs), os.cpu_count() or 1) or 1
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for start, prepared in batches(None):
                rows += prepared.table.num_rows
                if doubtful_values:
                    _per_field(doubtful, _non_finite(prepared, schema))
                if gathered.full:  # the report is full: later rows cannot reach it
                    continue
                columns = [prepared.table.column(spec.name) for spec in specs]
                reads = list(pool.map(_check_field, specs, columns))
                bad = gathered.add(reads, prepared, start)
                _keep_keys(keys, reads, columns, start)
                if bad or doubtful or keys.empty.rows:
                    _stop(writer)
                    writer = None
                    continue
                typed = pa.Table.from_arrays([read.typed for read in reads], schema=target)
                if doubtful_values:
                    typed = _formulas(prepared, typed, schema, formulas, formula_found)
                if writer is not None:
                    writer.write(typed)
        unique, primary = _repeats(keys, batches, specs)
    except BaseException:
        _stop(writer)
        raise
    report.row_count = rows
    where = Where(header.first_data_row, header.row_word, header.source_columns)
    report.errors += assemble(
        gathered, unique, primary, [s.index for s in keys.primary_fields], where, schema.fields, ERROR_LIMIT
    )
    if refine is not None:
        refine(report)
    report.errors += _in_field_order(doubtful, schema)
    found = _in_field_order(formula_found, schema)
    if report.valid and found:
        (report.errors if formulas == "refuse" else report.warnings).extend(found)
    if writer is not None:
        if report.valid:
            writer.close()
        else:
            writer.abort()
    return report


def _per_field(into: dict[str, list[CellError]], found: list[CellError]) -> None:
    """Findings by field, at most MAX_FINDINGS each, as the in-memory check keeps them."""
    for error in found:
        kept = into.setdefault(error.column or "", [])
        if len(kept) < MAX_FINDINGS:
            kept.append(error)


def _in_field_order(found: dict[str, list[CellError]], schema: TableSchema) -> list[CellError]:
    return [e for name in schema.field_names for e in found.get(name, [])]


def _keep_keys(keys: _Keys, reads: list[Any], columns: list[pa.ChunkedArray], start: int) -> None:
    for index, prints in keys.unique.items():
        prints.add(present_prints(reads[index].typed))
    if keys.primary is None:
        return
    typed = [reads[s.index].typed for s in keys.primary_fields]
    empty = empty_keys(typed)
    keys.primary.add(key_fingerprints(typed)[~empty])
    texts = [columns[s.index] for s in keys.primary_fields]
    add_empty(keys.empty, np.flatnonzero(empty).tolist(), lambda row: _cells(texts, row), start)


def _repeats(keys: _Keys, batches: BatchSource, specs: list[FieldSpec]) -> tuple[dict[int, Repeats], Repeats | None]:
    """Exact repeats of every key; the batches are read again (key fields only) if any may repeat."""
    replays = {index: Replay(prints.shared()) for index, prints in keys.unique.items()}
    primary = Replay(keys.primary.shared()) if keys.primary is not None else None
    wanted = [r for r in [*replays.values(), primary] if r is not None and r.shared.size]
    if wanted:
        fields = sorted({s.index for s in keys.primary_fields} | set(replays))
        for start, prepared in batches([specs[i].name for i in fields]):
            texts = {i: prepared.table.column(specs[i].name) for i in fields}
            typed = {i: read_column(specs[i], texts[i]).typed for i in fields}
            for index, replay in replays.items():
                if replay.shared.size:
                    replay.unique(specs[index], texts[index], typed[index], start)
            if primary is not None and primary.shared.size:
                key = keys.primary_fields
                primary.primary(key, [texts[s.index] for s in key], [typed[s.index] for s in key], start)
    unique = {index: replay.found for index, replay in replays.items()}
    if primary is None:
        return unique, None
    found = primary.found
    for row, previous, value in zip(keys.empty.rows, keys.empty.previous, keys.empty.values, strict=True):
        found.rows.append(row)
        found.previous.append(previous)
        found.values.append(value)
    return unique, found


def _formulas(
    prepared: PreparedTable, typed: pa.Table, schema: TableSchema, mode: str, found: dict[str, list[CellError]]
) -> pa.Table:
    """Formula-like text cells of one batch noted; neutralised in the typed batch if asked."""
    rows: dict[str, np.ndarray] = {}
    for f in schema.fields:
        name = f["name"]
        if f.get("type", "string") != "string" or name not in prepared.table.column_names:
            continue
        at = _formula_rows(prepared.table.column(name))
        if at.size:
            rows[name] = at
            _per_field(found, _describe(prepared, name, at, mode))
    return _neutralised(typed, rows) if rows and mode == "neutralise" else typed


def _stop(writer: StagedWriter | None) -> None:
    """Abort the writer (the table is invalid): nothing it wrote is kept."""
    if writer is not None:
        writer.abort()


def _estimate(stream: CsvStream) -> int:
    """Rows the file may hold, from its size (one allocation for the fingerprints, usually)."""
    size = stream.path.stat().st_size
    return max(1024, size // 64)
