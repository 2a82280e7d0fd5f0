"""What the fast engine needs to know about each field, and which schemas it cannot check.

Each field keeps frictionless's own ``Field`` object: its cell reader is the definition of
a valid cell, and the fast engine calls it for every cell it cannot decide by itself
(unusual spellings, custom formats, values too close to a bound to compare as floats).
A schema with a rule the engine does not implement is listed by ``unsupported_rules`` and
goes to frictionless as a whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from frictionless import Schema
from frictionless.schema import Field  # type: ignore[attr-defined]

from opendata.table_schema import ARROW_TYPES, TableSchema

BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
STRING_FORMATS = ("default", "uuid", "email", "uri", "binary", "wkt")
NUMBER_OPTIONS = ("bareNumber", "decimalChar", "groupChar")


@dataclass(frozen=True)
class FieldSpec:
    """One schema field, as frictionless reads it."""

    index: int
    name: str
    kind: str  # Table Schema type
    format: str
    arrow_type: pa.DataType
    field: Field  # attached to its schema, so schema-level missingValues apply
    constraints: dict[str, Any]
    missing_values: list[str]
    cell_reader: Callable[[Any], tuple[Any, dict[str, str] | None]]
    value_reader: Callable[[Any], Any]

    @property
    def checks(self) -> list[str]:
        """Constraints frictionless checks on each cell, in its order (unique is per table)."""
        return [c for c in self.field.supported_constraints if self.constraints.get(c) is not None]

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))

    @property
    def unique(self) -> bool:
        return bool(self.constraints.get("unique"))

    @property
    def custom_number(self) -> bool:
        """bareNumber/decimalChar/groupChar: frictionless rewrites the cell before reading it."""
        return self.kind in ("number", "integer") and any(self.field.has_defined(_snake(o)) for o in NUMBER_OPTIONS)

    def limit(self, rule: str) -> Any:
        """A constraint's value as frictionless compares it (read like a cell of the field)."""
        value = self.constraints[rule]
        if rule in BOUNDS:
            return self.value_reader(value)
        if rule == "enum":
            return [self.value_reader(v) for v in value]
        return value


def field_specs(schema: TableSchema) -> list[FieldSpec]:
    frictionless_schema: Schema = schema.frictionless()
    specs = []
    for index, field in enumerate(frictionless_schema.fields):
        own = field.has_defined("missing_values")
        missing = field.missing_values if own else frictionless_schema.missing_values
        specs.append(FieldSpec(
            index=index, name=field.name, kind=field.type, format=field.format or "default",
            arrow_type=ARROW_TYPES.get(field.type, pa.null()), field=field,
            constraints=dict(field.constraints),
            missing_values=list(missing),
            cell_reader=field.create_cell_reader(), value_reader=field.create_value_reader(),
        ))  # fmt: skip
    return specs


def unsupported_rules(schema: TableSchema) -> list[str]:
    """Rules of ``schema`` the fast engine does not check; empty when it checks them all."""
    reasons = []
    descriptor = schema.descriptor
    if descriptor.get("foreignKeys"):
        reasons.append("foreignKeys")
    if descriptor.get("fieldsMatch", "exact") != "exact":
        reasons.append(f"fieldsMatch '{descriptor['fieldsMatch']}'")
    try:
        specs = field_specs(schema)
    except Exception as exc:  # a descriptor frictionless itself rejects: let it say so
        return [f"schema frictionless cannot read ({exc})"]
    for spec in specs:
        reasons.extend(f"field '{spec.name}': {r}" for r in _field_reasons(spec))
    return reasons


def _field_reasons(spec: FieldSpec) -> list[str]:
    if spec.kind not in ARROW_TYPES:
        return [f"type '{spec.kind}'"]
    reasons = []
    if spec.kind == "string" and spec.format not in STRING_FORMATS:
        reasons.append(f"format '{spec.format}'")
    known = set(spec.field.supported_constraints) | {"unique"}
    reasons.extend(f"constraint '{c}'" for c in spec.constraints if c not in known)
    for rule in spec.checks:
        if rule in BOUNDS:
            if not _comparable(spec.limit(rule)):
                reasons.append(f"{rule} {spec.constraints[rule]!r} (not a value of the field)")
        elif rule == "enum":
            if any(v is not None and not _comparable(v) for v in spec.limit(rule)):
                reasons.append(f"enum {spec.constraints[rule]!r} (values with a time zone or fraction)")
        elif rule == "pattern" and not isinstance(spec.constraints[rule], str):
            reasons.append("pattern that is not text")
    return reasons


def _comparable(value: Any) -> bool:
    """A bound or enum value the engine can put in an Arrow column of the field's type."""
    if value is None:  # frictionless could not read it either (and would fail comparing)
        return False
    if isinstance(value, dt.datetime | dt.time):
        return value.tzinfo is None and value.microsecond == 0
    return True


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
