"""``unique`` fields and the primary key: which rows repeat an earlier value, and which one.

frictionless keeps every value seen in a dict and reports a row whose (typed) value is
already there, naming the latest earlier row with it; a primary key whose cells are all
empty is reported on its own. Arrow finds the *candidates* in one pass (rows whose typed
value occurs more than once); only those rows are then replayed through the same dict
logic, with the exact values frictionless's reader gives (``Decimal`` for numbers, where
Arrow compares floats). Typed equality is implied by exact equality, so no repeat is
missed; a false candidate (two decimals with one float) is dropped by the replay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from opendata.arrow_build import flags
from opendata.validate.fast.cells import Column, read_distinct
from opendata.validate.fast.fingerprint import repeated
from opendata.validate.fast.spec import FieldSpec


@dataclass
class Repeats:
    """Rows that repeat a key, the earlier row each repeats (-1: the key is all empty), values."""

    rows: list[int] = field(default_factory=list)
    previous: list[int] = field(default_factory=list)
    values: list[str] = field(default_factory=list)


def unique_repeats(spec: FieldSpec, text: Column, typed: Column) -> Repeats:
    present = ~_nulls(typed)
    candidates = np.flatnonzero(present & repeated([typed]))
    found = Repeats()
    seen: dict[Any, int] = {}
    for row, value in zip(candidates.tolist(), _exact(spec, text, candidates), strict=True):
        _remember(seen, value, row, found, partial(str, value))
    return found


def primary_key_repeats(specs: list[FieldSpec], texts: list[Column], typed: list[Column]) -> Repeats:
    empty = np.logical_and.reduce([_nulls(t) for t in typed])
    candidates = np.flatnonzero(~empty & repeated(typed))
    exact = [_exact(spec, text, candidates) for spec, text in zip(specs, texts, strict=True)]
    found = Repeats()
    seen: dict[Any, int] = {}
    for i, row in enumerate(candidates.tolist()):
        key = tuple(values[i] for values in exact)
        _remember(seen, key, row, found, partial(_cells, texts, row))
    for row in np.flatnonzero(empty).tolist():  # 'cells composing the primary keys are all "None"'
        found.rows.append(row)
        found.previous.append(-1)
        found.values.append(_cells(texts, row))
    return found


def _cells(texts: list[Column], row: int) -> str:
    """The key's cells as written, as the report shows a primary-key finding."""
    return ", ".join(str(text[row].as_py()) for text in texts)


def _remember(seen: dict[Any, int], value: Any, row: int, found: Repeats, shown: Callable[[], str]) -> None:
    if value is None or _has_nan(value):
        return
    try:
        earlier = seen.get(value)
        seen[value] = row
    except TypeError:  # unhashable (Decimal('sNaN')): frictionless fails here; nothing to report
        return
    if earlier is not None:
        found.rows.append(row)
        found.previous.append(earlier)
        found.values.append(shown())


def _has_nan(value: Any) -> bool:
    """NaN never repeats for frictionless: each row's NaN is a new object, unequal to all."""
    parts = value if isinstance(value, tuple) else (value,)
    try:
        return any(part != part for part in parts)
    except ArithmeticError:  # Decimal('sNaN') refuses even this comparison
        return True


def _exact(spec: FieldSpec, text: Column, rows: np.ndarray) -> list[Any]:
    if not rows.size:
        return []
    verdicts, codes = read_distinct(spec, text, rows)
    return [verdicts[code][0] for code in codes.tolist()]


def _nulls(typed: Column) -> np.ndarray:
    return flags(typed.is_null())
