"""Validation against the Table Schema, with frictionless as the reference implementation.

Frictionless reads the prepared table (as CSV text) and checks every rule of the schema;
its findings become report errors that name the row in the source file.
"""

from __future__ import annotations

import io
import re
from typing import Any, Literal

import pyarrow.csv as pacsv

from opendata.prepare import PreparedTable
from opendata.report import CellError, ValidationReport
from opendata.table_schema import TableSchema
from opendata.validate.messages import BLANK_ROW_MESSAGE, ERROR_LIMIT, constraint_message, key_message, type_message

_CONSTRAINT = re.compile(r'constraint "(\w+)" is "(.*)"', re.S)


def table_csv_bytes(prepared: PreparedTable) -> bytes:
    """The prepared (all-text) table as UTF-8 CSV, as frictionless and the converter read it."""
    buffer = io.BytesIO()
    pacsv.write_csv(prepared.table, buffer, pacsv.WriteOptions(quoting_header="none"))
    return buffer.getvalue()


def validate_table(
    dataset: str, prepared: PreparedTable, schema: TableSchema, prior: list[CellError]
) -> ValidationReport:
    """Check the prepared table; ``prior`` holds column problems found while preparing."""
    report = ValidationReport(
        dataset=dataset,
        source=prepared.origin,
        schema=schema.path.name,
        row_count=prepared.table.num_rows,
        row_word=prepared.row_word,
        errors=list(prior),
    )
    if prior:  # columns are missing or unknown: per-cell findings would only repeat that
        return report
    # We wrote these bytes: say so, rather than let frictionless sniff the delimiter and encoding.
    from frictionless import Dialect, Resource  # here: the fast engine's commands never import it
    from frictionless.formats import CsvControl

    dialect = Dialect(controls=[CsvControl(delimiter=",", quote_char='"')])
    resource = Resource(
        data=table_csv_bytes(prepared), format="csv", encoding="utf-8", dialect=dialect,
        schema=schema.frictionless(), datapackage_version=_standard(schema),
    )  # fmt: skip
    result = resource.validate(limit_errors=ERROR_LIMIT)
    fields = {f["name"]: f for f in schema.fields}
    for task in result.tasks:
        for error in task.errors:
            report.errors.append(_cell_error(error, prepared, fields, schema))
    return report


def _standard(schema: TableSchema) -> Literal["v1", "v2", "unknown"]:
    """The Data Package version the schema's ``$schema`` declares, for the resource around it.

    Without it frictionless takes the resource for v1 and rejects a v2 schema's rules
    (exclusiveMinimum/Maximum) as a field error instead of checking them.
    """
    profile = str(schema.descriptor.get("$schema") or "")
    match = re.search(r"/profiles/(\d+)\.\d+/", profile)
    if match:
        return "v2" if match.group(1) == "2" else "v1"
    return "unknown" if profile else "v1"


def _cell_error(
    error: Any, prepared: PreparedTable, fields: dict[str, dict[str, Any]], schema: TableSchema
) -> CellError:
    row_number = getattr(error, "row_number", None)
    row = prepared.source_row(row_number - 2) if row_number else None
    column = getattr(error, "field_name", None) or None
    value = getattr(error, "cell", None)
    if column and row_number:
        value = prepared.cell_as_written(column, row_number - 2, value)
    source_column = prepared.source_columns.get(column) if column else None
    if error.type == "type-error" and column:
        field = fields[column]
        return CellError("type", type_message(field), row, column, source_column, value)
    if error.type == "constraint-error" and column:
        match = _CONSTRAINT.search(error.note or "")
        rule, limit = (match.group(1), match.group(2)) if match else ("constraint", error.note)
        return CellError(rule, constraint_message(rule, limit), row, column, source_column, value)
    if error.type in ("primary-key", "unique-error"):
        key = schema.primary_key if error.type == "primary-key" else [column or ""]
        other = re.search(r"position (\d+)", error.note or "")
        previous = prepared.source_row(int(other.group(1)) - 2) if other else None
        message = key_message(key, prepared.row_word, previous)
        if error.type == "unique-error":
            return CellError("unique", message, row, column, None, value)
        cells = getattr(error, "cells", []) or []  # every cell of the row: show the key's
        at = [schema.field_names.index(k) for k in key]
        shown = ", ".join(str(cells[i]) if i < len(cells) else "" for i in at)
        return CellError("primary-key", message, row, ", ".join(key), None, shown)
    if error.type == "blank-row":
        return CellError("blank-row", BLANK_ROW_MESSAGE, row)
    return CellError(error.type, error.message, row, column, source_column, value)
