"""Joining a lookup source to the dataset's rows (manifest key ``join``).

A steward's file often names things by a code that another register owns: the school Wi-Fi
inventory lists Skolverket's school unit codes, and the names, addresses and coordinates
should be the register's, not retyped. A join declares, in the manifest, which column holds
the code (``key``), which lookup source answers for it (any source type, usually a network
one, archived and replayed like the main source), which lookup columns it supplies under
which names (``fields``) and which conditions a match must meet (``require``, e.g. the
school unit is AKTIV).

A row whose code the lookup does not know, or whose match fails a condition, becomes a
finding in the validation report (rule ``lookup-unknown`` or ``lookup-condition``, with the
row and column), so the dataset stops before publishing, as for any other invalid cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, model_validator

from opendata.report import CellError, ValidationReport
from opendata.sources import ParsedTable, SourceSettings

if TYPE_CHECKING:  # imported where rows are joined: reading a manifest needs no pyarrow
    import pyarrow as pa


class JoinSpec(BaseModel):
    """One lookup joined to the dataset's rows."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="short name, for messages and the archive")
    title: str | None = Field(default=None, description="what the lookup is, in messages (e.g. the register's name)")
    source: SourceSettings
    key: str = Field(min_length=1, description="the column of the dataset's file that holds the code")
    lookup_key: str = Field(min_length=1, description="the lookup's column that holds the same code")
    fields: dict[str, str] = Field(min_length=1, description="lookup column: field it supplies to the dataset")
    require: dict[str, list[str]] = Field(
        default_factory=dict, description="lookup column: accepted values; other matches are reported"
    )

    @model_validator(mode="after")
    def _distinct_targets(self) -> JoinSpec:
        targets = list(self.fields.values())
        if len(set(targets)) != len(targets):
            raise ValueError("'fields' supplies the same field twice")
        return self

    @property
    def label(self) -> str:
        return self.title or f"the {self.name} lookup"


def apply_joins(
    parsed: ParsedTable, joins: list[JoinSpec], lookups: Mapping[str, ParsedTable], columns: Mapping[str, str]
) -> ParsedTable:
    """The table with every join's fields added, and a finding for each row that did not match."""
    table = parsed.table
    findings = list(parsed.findings)
    for spec in joins:
        table, found = _join(table, parsed, spec, lookups[spec.name], columns)
        findings += found
    return replace(parsed, table=table, findings=tuple(findings))


def supplied_fields(joins: list[JoinSpec]) -> set[str]:
    return {field for spec in joins for field in spec.fields.values()}


def merge_findings(report: ValidationReport, findings: tuple[CellError, ...], supplied: set[str]) -> None:
    """Add the join findings; drop what they explain (an unknown code leaves its fields empty)."""
    if not findings:
        return
    explained = {f.row for f in findings if f.row is not None}
    kept = [e for e in report.errors if not (e.row in explained and (e.column or "") in supplied)]
    report.errors[:] = sorted([*kept, *findings], key=lambda e: -1 if e.row is None else e.row)


def _join(
    table: pa.Table, parsed: ParsedTable, spec: JoinSpec, lookup: ParsedTable, columns: Mapping[str, str]
) -> tuple[pa.Table, list[CellError]]:
    key_field = columns.get(spec.key, spec.key)
    findings: list[CellError] = []
    if spec.key not in table.column_names:
        message = f"the join '{spec.name}' reads codes from column '{spec.key}', which {parsed.origin} does not have"
        return table, [CellError("missing-column", message, column=key_field, source_column=spec.key)]
    wanted = [spec.lookup_key, *spec.fields, *spec.require]
    missing = [c for c in wanted if c not in lookup.table.column_names]
    if missing:
        has = ", ".join(lookup.table.column_names)
        message = f"{lookup.origin}: {spec.label} has no column(s) {', '.join(missing)}; it has {has}"
        return table, [CellError("lookup-columns", message)]
    mapped = {columns.get(c, c) for c in table.column_names}
    for target in spec.fields.values():
        if target in mapped:
            message = f"'{target}' is supplied by {spec.label}; remove that column from the file (or from 'columns')"
            findings.append(CellError("supplied-column", message, column=target))
    index: dict[str, dict[str, str]] = {}
    for record in lookup.table.select(wanted).to_pylist():
        index.setdefault(str(record[spec.lookup_key]).strip(), record)
    added: dict[str, list[str]] = {target: [] for target in spec.fields.values()}
    for i, code in enumerate(table.column(spec.key).to_pylist()):
        code = (code or "").strip()
        match = index.get(code) if code else None
        row = parsed.source_row(i)
        if code and match is None:
            message = f"{code} is not in {spec.label}; check the code (a row with an unknown code is not published)"
            findings.append(CellError("lookup-unknown", message, row, key_field, spec.key, code))
        for column, accepted in spec.require.items():
            if match is not None and match[column] not in accepted:
                message = (
                    f"{spec.label} has {column} '{match[column]}' for {code} (accepted: {', '.join(accepted)}); "
                    "such a row is not published"
                )
                findings.append(CellError("lookup-condition", message, row, key_field, spec.key, code))
        for column, target in spec.fields.items():
            added[target].append("" if match is None else str(match[column] or ""))
    from opendata.arrow_build import strings

    for target, values in added.items():
        if target not in table.column_names:
            table = table.append_column(target, strings(values))
    return table, findings
