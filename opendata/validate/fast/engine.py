"""The fast engine: every Table Schema rule of a resource, checked on Arrow columns.

It finds what frictionless finds (same rows, fields, rules and, as far as frictionless
reports them, values) on the prepared table, without writing it out as CSV, and hands
back the typed table that conversion writes. A schema with a rule it does not check goes
to frictionless as a whole, with a warning and ``report.engine == "frictionless"``.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pyarrow as pa

from opendata.prepare import PreparedTable
from opendata.report import CellError, ValidationReport
from opendata.table_schema import TableSchema
from opendata.validate.fast.cells import ReadColumn, read_column
from opendata.validate.fast.constraints import check_constraints
from opendata.validate.fast.findings import Found, report_errors
from opendata.validate.fast.keys import Repeats, primary_key_repeats, unique_repeats
from opendata.validate.fast.spec import FieldSpec, field_specs, unsupported_rules
from opendata.validate.messages import ERROR_LIMIT
from opendata.validate.reference import validate_table

log = logging.getLogger(__name__)


def validate_arrow(
    dataset: str, prepared: PreparedTable, schema: TableSchema, prior: list[CellError]
) -> tuple[ValidationReport, pa.Table | None]:
    """The report, and the table typed by the schema when it is valid (else None)."""
    reasons = unsupported_rules(schema)
    if reasons:
        log.warning(
            "%s: the fast validator does not check %s; validating with frictionless instead",
            dataset, "; ".join(reasons),
        )  # fmt: skip
        report = validate_table(dataset, prepared, schema, prior)
        report.engine = "frictionless"
        return report, None
    report = ValidationReport(
        dataset=dataset, source=prepared.origin, schema=schema.path.name,
        row_count=prepared.table.num_rows, row_word=prepared.row_word, errors=list(prior),
        engine="arrow",
    )  # fmt: skip
    if prior:  # columns are missing or unknown: per-cell findings would only repeat that
        return report, None
    specs = field_specs(schema)
    key = [specs[schema.field_names.index(name)] for name in schema.primary_key]
    workers = min(len(specs), os.cpu_count() or 1) or 1
    columns = [prepared.table.column(spec.name) for spec in specs]
    keyed = {s.index for s in key} | {s.index for s in specs if s.unique}
    order = sorted(specs, key=lambda s: s.index not in keyed)  # key fields first
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # A key task is queued right after the fields it needs, so it waits only on running
        # ones (no deadlock) and runs alongside the other fields, not after them.
        futures: dict[int, Future[ReadColumn]] = {}
        for spec in order[: len(keyed)]:
            futures[spec.index] = pool.submit(_check_field, spec, columns[spec.index])
        ready = dict(futures)  # the key fields' futures, as the key tasks see them
        unique = {s.index: pool.submit(_unique, s, columns, ready) for s in specs if s.unique}
        primary = pool.submit(_primary, key, columns, ready)
        for spec in order[len(keyed) :]:
            futures[spec.index] = pool.submit(_check_field, spec, columns[spec.index])
        reads = [futures[s.index].result() for s in specs]
        repeats = {index: future.result() for index, future in unique.items()}
        found = Found(specs, reads, repeats, primary.result(), [s.index for s in key])
    report.errors.extend(report_errors(found, prepared, schema.fields, ERROR_LIMIT))
    if not report.valid:
        return report, None
    target = schema.arrow_schema()
    return report, pa.Table.from_arrays([read.typed for read in reads], schema=target)


def _unique(spec: FieldSpec, columns: list[pa.ChunkedArray], fields: dict[int, Future[ReadColumn]]) -> Repeats:
    return unique_repeats(spec, columns[spec.index], fields[spec.index].result().typed)


def _primary(
    key: list[FieldSpec], columns: list[pa.ChunkedArray], fields: dict[int, Future[ReadColumn]]
) -> Repeats | None:
    if not key:
        return None
    typed = [fields[s.index].result().typed for s in key]
    return primary_key_repeats(key, [columns[s.index] for s in key], typed)


def _check_field(spec: FieldSpec, column: pa.ChunkedArray) -> ReadColumn:
    """One field, start to end: read, then constraints on the cells read vectorized."""
    text = _text(column)
    read = read_column(spec, text)
    for rule, rows in check_constraints(spec, text, read.typed, read.fast).items():
        earlier = read.findings.get(rule)  # the odd cells frictionless read itself
        read.findings[rule] = rows if earlier is None else np.union1d(earlier, rows)
    return read


def _text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """The column as text (a constant column may arrive as another type), chunks as they are:
    Arrow's kernels take chunked input, and a contiguous copy would cost the table again."""
    return column if column.type == pa.string() else column.cast(pa.string())
