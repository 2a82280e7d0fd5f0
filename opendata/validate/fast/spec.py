"""What the fast engine needs to know about each field, and which schemas it cannot check.

What the plain cells need (type, format, constraints, missing and boolean values) is read
from the descriptor, as frictionless reads it (tests/test_fast_validator.py compares the
two for every schema). frictionless's own ``Field`` is made only when a cell or a bound is
not plain: its cell reader is the definition of a valid cell, and the fast engine calls it
for every cell it cannot decide by itself (unusual spellings, custom formats, values too
close to a bound to compare as floats). So a valid file of plain cells is checked without
importing frictionless at all (about half a second of ``opendata validate``). A schema
with a rule the engine does not implement is listed by ``unsupported_rules`` and goes to
frictionless as a whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from opendata.table_schema import ARROW_TYPES, TableSchema

if TYPE_CHECKING:
    from frictionless.schema import Field  # type: ignore[attr-defined]

BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
STRING_FORMATS = ("default", "uuid", "email", "uri", "binary", "wkt")
NUMBER_OPTIONS = ("bareNumber", "decimalChar", "groupChar")
_ORDERED = ["required", *BOUNDS, "enum"]
# frictionless's ``supported_constraints`` of each field class, in its order.
SUPPORTED: dict[str, list[str]] = {
    "string": ["required", "minLength", "maxLength", "pattern", "enum"],
    **{kind: _ORDERED for kind in ("integer", "number", "date", "datetime", "time", "year")},
    "boolean": ["required", "enum"],
}
DEFAULT_TRUE = ["true", "True", "TRUE", "1"]  # frictionless.settings.DEFAULT_TRUE_VALUES
DEFAULT_FALSE = ["false", "False", "FALSE", "0"]


@dataclass(frozen=True)
class FieldSpec:
    """One schema field, as frictionless reads it."""

    index: int
    name: str
    kind: str  # Table Schema type
    format: str
    arrow_type: pa.DataType
    descriptor: dict[str, Any]  # the field's own
    constraints: dict[str, Any]
    missing_values: list[str]
    schema: _Frictionless

    @cached_property
    def field(self) -> Field:
        """frictionless's Field, attached to its schema (schema-level missingValues apply)."""
        return self.schema.fields[self.index]

    @cached_property
    def cell_reader(self) -> Callable[[Any], tuple[Any, dict[str, str] | None]]:
        return self.field.create_cell_reader()

    @cached_property
    def value_reader(self) -> Callable[[Any], Any]:
        return self.field.create_value_reader()

    @property
    def checks(self) -> list[str]:
        """Constraints frictionless checks on each cell, in its order (unique is per table)."""
        return [c for c in SUPPORTED.get(self.kind, []) if self.constraints.get(c) is not None]

    @property
    def supported(self) -> list[str]:
        return SUPPORTED.get(self.kind, [])

    @property
    def true_values(self) -> list[str]:
        return list(self.descriptor.get("trueValues", DEFAULT_TRUE))

    @property
    def false_values(self) -> list[str]:
        return list(self.descriptor.get("falseValues", DEFAULT_FALSE))

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))

    @property
    def unique(self) -> bool:
        return bool(self.constraints.get("unique"))

    @property
    def custom_number(self) -> bool:
        """bareNumber/decimalChar/groupChar: frictionless rewrites the cell before reading it."""
        return self.kind in ("number", "integer") and any(o in self.descriptor for o in NUMBER_OPTIONS)

    def limit(self, rule: str) -> Any:
        """A constraint's value as frictionless compares it (read like a cell of the field)."""
        value = self.constraints[rule]
        if rule in BOUNDS:
            return self._value(value)
        if rule == "enum":
            return [self._value(v) for v in value]
        return value

    def _value(self, value: Any) -> Any:
        """frictionless's value reader, answered here for a JSON value of the field's own kind
        (an integer bound of an integer field, a text enum of a text field)."""
        plain = not isinstance(value, bool) and not self.custom_number and "floatNumber" not in self.descriptor
        if plain and self.kind in ("integer", "number") and isinstance(value, int):
            return value
        if plain and self.kind == "integer" and isinstance(value, float) and value.is_integer():
            return int(value)
        if plain and self.kind == "number" and isinstance(value, float):
            return Decimal(str(value))
        if self.kind == "string" and self.format == "default":
            return value if isinstance(value, str) else None
        return self.value_reader(value)


class _Frictionless:
    """The schema as frictionless reads it, made once for all its fields, and only when asked."""

    def __init__(self, schema: TableSchema) -> None:
        self._schema = schema

    @cached_property
    def fields(self) -> list[Field]:
        return list(self._schema.frictionless().fields)


def field_specs(schema: TableSchema) -> list[FieldSpec]:
    missing, shared = schema.missing_values, _Frictionless(schema)
    return [
        FieldSpec(
            index=index,
            name=field["name"],
            kind=field.get("type", "any"),
            format=field.get("format") or "default",
            arrow_type=ARROW_TYPES.get(field.get("type", "any"), pa.null()),
            descriptor=field,
            constraints=dict(field.get("constraints") or {}),
            missing_values=list(field["missingValues"]) if "missingValues" in field else missing,
            schema=shared,
        )
        for index, field in enumerate(schema.fields)
    ]


def unsupported_rules(schema: TableSchema) -> list[str]:
    """Rules of ``schema`` the fast engine does not check; empty when it checks them all."""
    reasons = []
    descriptor = schema.descriptor
    if descriptor.get("foreignKeys"):
        reasons.append("foreignKeys")
    if descriptor.get("fieldsMatch", "exact") != "exact":
        reasons.append(f"fieldsMatch '{descriptor['fieldsMatch']}'")
    for spec in field_specs(schema):
        try:
            reasons.extend(f"field '{spec.name}': {r}" for r in _field_reasons(spec))
        except Exception as exc:  # a descriptor frictionless itself rejects: let it say so
            return [f"schema frictionless cannot read ({exc})"]
    return reasons


def _field_reasons(spec: FieldSpec) -> list[str]:
    if spec.kind not in ARROW_TYPES:
        return [f"type '{spec.kind}'"]
    reasons = []
    if spec.kind == "string" and spec.format not in STRING_FORMATS:
        reasons.append(f"format '{spec.format}'")
    known = set(spec.supported) | {"unique"}
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
