"""Read one text column as its Table Schema type: every cell valid, missing, or a type error.

A cell is decided in one of three ways:

* *missing*: it is one of the missing values (frictionless compares the raw text);
* *fast*: it has a plain shape (``-12``, ``3.5e2``, ``2024-03-15``, ``10:00:00``, ``true``)
  whose meaning is certain, and Arrow reads it vectorized; a plain shape that is not a
  value (``2024-02-30``, ``25:00:00``, ``yes`` for a boolean) is a certain type error;
* *slow*: anything else (``+1_000``, ``2024-3-5``, ``NaN``, ``24:00:00``, custom formats)
  goes to frictionless's own cell reader, once per distinct text, and its verdict and
  value are taken as they are. That keeps the two engines equal on the odd cases while
  the plain ones, nearly all cells of a real file, never enter Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from opendata.arrow_build import bools, flags, int64s, null_of, number, numbers, string, strings, values_of
from opendata.validate.fast.spec import FieldSpec

Column: TypeAlias = pa.Array | pa.ChunkedArray  # Arrow kernels take either; columns stay chunked
INT64 = (-(2**63), 2**63 - 1)
_YEAR = r"(?:[0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})"  # not 0000
_DATE = _YEAR + r"-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
SHAPES = {
    "date": f"^{_DATE}$",
    "datetime": f"^{_DATE}[T ]{_TIME}$",
    "time": f"^{_TIME}$",
    "year": r"^[0-9]{4}$",
    "integer": r"^[+-]?[0-9]{1,18}$",
    "number": r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?$",
    "uuid": r"^(?:[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}|[0-9a-fA-F]{32})$",
}


@dataclass
class ReadColumn:
    """A field's cells read: typed values and what went wrong where (row indices)."""

    typed: Column  # the field's Arrow type; null where missing or not a value
    missing: np.ndarray  # bool per row
    fast: np.ndarray  # bool per row: read (and constraint-checked) vectorized
    findings: dict[str, np.ndarray] = field(default_factory=dict)  # rule -> rows


def mask(array: Column) -> np.ndarray:
    """An Arrow boolean as a numpy bool array (null counts as false)."""
    return flags(array)


def only(where: np.ndarray, values: Column) -> Column:
    """``values`` where ``where`` holds, null elsewhere."""
    if where.all():
        return values
    return pc.if_else(bools(where), values, null_of(values.type))


def read_column(spec: FieldSpec, text: Column) -> ReadColumn:
    if spec.missing_values == [""]:  # the usual list: an empty cell, read off the offsets
        missing = ~mask(pc.cast(pc.binary_length(text), pa.bool_()))
    else:
        missing = mask(pc.is_in(text, value_set=strings(spec.missing_values)))
    if text.null_count:  # a null cell is written as an empty one: frictionless reads ""
        missing |= mask(text.is_null())
    present = ~missing
    fast, bad, typed = _fast_read(spec, text, present)
    slow = present & ~fast & ~bad
    column = ReadColumn(typed, missing, fast)
    if bad.any():
        column.findings["type"] = np.flatnonzero(bad)
    if slow.any():
        _read_slow(spec, text, slow, column)
    return column


def _fast_read(spec: FieldSpec, text: Column, present: np.ndarray) -> tuple[np.ndarray, np.ndarray, Column]:
    """(read, certain type errors, typed values) for the cells with a plain shape."""
    none = np.zeros(len(text), dtype=bool)
    kind = spec.kind
    if kind == "boolean":
        values: dict[str, list[str]] = {
            "true": spec.true_values,
            "false": spec.false_values,
        }
        true = mask(pc.is_in(text, value_set=strings(values["true"])))
        false = mask(pc.is_in(text, value_set=strings(values["false"])))
        fast = present & (true | false)
        typed = pc.if_else(bools(fast), bools(true), null_of(pa.bool_()))
        return fast, present & ~fast, typed
    if kind == "string":
        shape = SHAPES.get("uuid") if spec.format == "uuid" else None
        if spec.format not in ("default", "uuid"):
            return none, none, pa.nulls(len(text), pa.string())
        fast = present & mask(pc.match_substring_regex(text, shape)) if shape else present
        return fast, none, only(fast, text)
    if spec.custom_number or spec.format != "default":
        return none, none, pa.nulls(len(text), spec.arrow_type)
    if kind in ("date", "datetime", "time"):
        return _fast_temporal(kind, text, present)
    shaped = present & _shaped(kind, text, present)
    if kind == "year":
        return shaped, none, pc.cast(only(shaped, text), pa.int32())
    if kind == "integer":
        plain = text if shaped.any() and not _any_plus(text, shaped) else pc.utf8_ltrim(text, "+")
        return shaped, none, pc.cast(only(shaped, plain), pa.int64())
    return shaped, none, pc.cast(only(shaped, text), pa.float64())


def _shaped(kind: str, text: pa.ChunkedArray, present: np.ndarray) -> np.ndarray:
    """The plain shape of a year or integer: all ASCII digits (a cheaper test than the regex)
    suffices when every present cell passes it; otherwise the regex decides."""
    if kind in ("integer", "year"):
        digits = mask(pc.ascii_is_decimal(text))
        limit = 4 if kind == "year" else 18
        size = numbers(pc.fill_null(pc.binary_length(text), number(0, pa.int32()))).astype(np.int64)
        digits &= (size == limit) if kind == "year" else (size <= limit)
        if digits[present].all():
            return digits
    return mask(pc.match_substring_regex(text, SHAPES[kind]))


def _any_plus(text: pa.ChunkedArray, shaped: np.ndarray) -> bool:
    """Whether a plain-shaped integer has a leading '+' (which Arrow's cast refuses)."""
    return bool(mask(pc.starts_with(text, "+"))[shaped].any())


def _fast_temporal(kind: str, text: Column, present: np.ndarray) -> tuple[np.ndarray, np.ndarray, Column]:
    """Dates, datetimes, times: Arrow's parser behind a regex that admits only what both accept.

    The regex leaves out what Python and Arrow read differently (hour 24, second 60, year
    0000: those go to frictionless); a day past the month's end still matches, and Arrow
    refuses it, so when the cast fails the calendar is checked on the parts, as numbers.
    """
    shaped = present & mask(pc.match_substring_regex(text, SHAPES[kind]))
    if kind == "time":  # Arrow has no text-to-time cast: read it as a time on 1970-01-01
        text = pc.binary_join_element_wise(string("1970-01-01T"), text, string(""))
    target = pa.date32() if kind == "date" else pa.timestamp("s")
    try:
        typed = pc.cast(only(shaped, text), target)
    except pa.ArrowInvalid:
        parts = [_number(only(shaped, text), at, size) for at, size in ((0, 4), (5, 2), (8, 2))]
        ok = shaped & _valid_date(*parts)
        typed, bad = pc.cast(only(ok, text), target), shaped & ~ok
    else:
        ok, bad = shaped, np.zeros(len(text), dtype=bool)
    if kind == "time":
        typed = pc.cast(pc.cast(typed, pa.int64()), pa.int32()).cast(pa.time32("s"))
    return ok, bad, typed


def _number(text: Column, start: int, size: int) -> np.ndarray:
    part = pc.utf8_slice_codeunits(text, start, start + size)
    return numbers(pc.fill_null(pc.cast(part, pa.int32(), safe=False), number(0, pa.int32()))).astype(np.int64)


DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _valid_date(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    good_month = (month >= 1) & (month <= 12)
    last = DAYS[np.where(good_month, month, 0)] + ((month == 2) & leap)
    valid: np.ndarray = (year >= 1) & good_month & (day >= 1) & (day <= last)
    return valid


def _read_slow(spec: FieldSpec, text: Column, slow: np.ndarray, column: ReadColumn) -> None:
    """frictionless reads each distinct odd cell; its notes become findings, its value typed."""
    rows = np.flatnonzero(slow)
    verdicts, codes = read_distinct(spec, text, rows)
    values = [_arrow_value(spec, value) for value, _ in verdicts]
    overflow = np.array([v is _OVERFLOW for v in values], dtype=bool)
    values = [None if v is _OVERFLOW else v for v in values]
    column.typed = pc.replace_with_mask(
        column.typed,
        bools(slow),
        values_of(values, _build_type(spec)).take(int64s(codes)).cast(spec.arrow_type, safe=False),
    )
    rules: dict[str, list[int]] = {}
    for code, (_, notes) in enumerate(verdicts):
        for rule in notes or {}:
            rules.setdefault(rule, []).append(code)
    if overflow.any():  # a whole number Parquet's int64 cannot hold
        rules.setdefault("type", []).extend(np.flatnonzero(overflow).tolist())
    for rule, bad_codes in rules.items():
        hit = rows[np.isin(codes, bad_codes)]
        found = column.findings.get(rule)
        column.findings[rule] = hit if found is None else np.union1d(found, hit)


def read_distinct(
    spec: FieldSpec, text: Column, rows: np.ndarray
) -> tuple[list[tuple[Any, dict[str, str] | None]], np.ndarray]:
    """frictionless's (value, notes) for each distinct text at ``rows``, and each row's code."""
    sub = text.take(int64s(rows))
    distinct = pc.unique(sub)
    codes = numbers(pc.index_in(sub, value_set=distinct)).astype(np.int64)
    return [_verdict(spec, cell) for cell in distinct.to_pylist()], codes


def _verdict(spec: FieldSpec, cell: Any) -> tuple[Any, dict[str, str] | None]:
    try:
        return spec.cell_reader(cell)
    except Exception as exc:  # e.g. 'sNaN' against a bound: frictionless itself raises here
        return None, {"type": f"cannot be read: {exc!r}"}


_OVERFLOW = object()


def _arrow_value(spec: FieldSpec, value: Any) -> Any:
    """A value from frictionless's reader as its Arrow type takes it."""
    if value is None:
        return None
    if spec.kind == "integer":
        return value if INT64[0] <= value <= INT64[1] else _OVERFLOW
    if spec.kind == "number":
        return float(value) if isinstance(value, Decimal | float | int) else None
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)  # as Arrow reads an offset: UTC
    if isinstance(value, dt.time) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def _build_type(spec: FieldSpec) -> pa.DataType:
    """Slow values are built at full precision, then cast (sub-seconds cut) to the field's type."""
    return {"datetime": pa.timestamp("us"), "time": pa.time64("us")}.get(spec.kind, spec.arrow_type)
