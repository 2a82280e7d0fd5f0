"""Field constraints on the cells read vectorized: enum, bounds, lengths, pattern.

Each check gives a certain verdict where Arrow's comparison is exact (strings, integers,
dates, times, booleans) and defers to frictionless's cell reader where it is not: a
``number`` is a ``Decimal`` for frictionless but a float64 in Arrow. Rounding to float is
monotonic, so a float strictly beyond the bound's float is beyond the bound; only a float
*equal* to it (``100.0000000000000001`` against 100) is unsure, and only those cells,
once per distinct text, are read by frictionless. ``required`` is not here: it is a
property of missing cells (see the engine).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from opendata.arrow_build import int64s, number, numbers, scalar, values_of
from opendata.validate.fast.cells import INT64, Column, mask, read_distinct
from opendata.validate.fast.patterns import python_pattern, re2_pattern
from opendata.validate.fast.spec import FieldSpec

# Where the bound is broken, as (Arrow comparison that proves it, does equality break it?)
_BROKEN: dict[str, tuple[Callable[..., Any], bool]] = {
    "minimum": (pc.less, False),
    "maximum": (pc.greater, False),
    "exclusiveMinimum": (pc.less, True),
    "exclusiveMaximum": (pc.greater, True),
}


def check_constraints(spec: FieldSpec, text: Column, typed: Column, fast: np.ndarray) -> dict[str, np.ndarray]:
    """rule -> rows among the ``fast`` cells that break it."""
    found: dict[str, np.ndarray] = {}
    if not fast.any():
        return found
    for rule in spec.checks:
        if rule == "required":
            continue
        if rule in ("minLength", "maxLength"):
            length = pc.utf8_length(text)
            limit = number(int(spec.constraints[rule]), length.type)
            broken = mask(pc.less(length, limit) if rule == "minLength" else pc.greater(length, limit))
            rows = np.flatnonzero(fast & broken)
        elif rule == "pattern":
            rows = _pattern(spec, text, fast)
        else:
            broken, unsure = _compare(spec, rule, typed)
            rows = np.flatnonzero(fast & broken)
            if (fast & unsure).any():
                rows = np.union1d(rows, _ask_frictionless(spec, rule, text, fast & unsure))
        if rows.size:
            found[rule] = rows
    return found


def _compare(spec: FieldSpec, rule: str, typed: Column) -> tuple[np.ndarray, np.ndarray]:
    """(certainly broken, unsure) for enum and the bounds."""
    nothing = np.zeros(len(typed), dtype=bool)
    limit = spec.limit(rule)
    if rule == "enum":
        allowed = [v for v in limit if v is not None]
        if spec.kind == "number":
            floats = values_of([float(v) + 0.0 for v in allowed], pa.float64())
            inside = mask(pc.is_in(pc.add(typed, number(0.0, pa.float64())), value_set=floats))  # -0.0 is 0
            return ~inside, inside  # equal as floats is not yet equal as decimals
        if spec.kind == "integer":
            allowed = [v for v in allowed if INT64[0] <= v <= INT64[1]]
        return ~mask(pc.is_in(typed, value_set=values_of(allowed, typed.type))), nothing
    compare, equal_breaks = _BROKEN[rule]
    if spec.kind == "number":
        bound = number(float(limit), pa.float64())
        broken = mask(compare(typed, bound))
        return broken, mask(pc.equal(typed, bound))
    if spec.kind == "integer" and not INT64[0] <= limit <= INT64[1]:
        beyond_all = (limit > INT64[1]) == (rule in ("minimum", "exclusiveMinimum"))
        return (np.ones(len(typed), dtype=bool) if beyond_all else nothing), nothing
    limit_value = scalar(limit, typed.type)
    broken = mask(compare(typed, limit_value))
    if equal_breaks:
        broken |= mask(pc.equal(typed, limit_value))
    return broken, nothing


def _ask_frictionless(spec: FieldSpec, rule: str, text: Column, where: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(where)
    verdicts, codes = read_distinct(spec, text, rows)
    bad = [code for code, (_, notes) in enumerate(verdicts) if notes and rule in notes]
    return rows[np.isin(codes, bad)]


def _pattern(spec: FieldSpec, text: Column, fast: np.ndarray) -> np.ndarray:
    """RE2 on plain ASCII cells when the pattern translates; Python's re for the rest."""
    pattern = spec.constraints["pattern"]
    translated = re2_pattern(pattern)
    in_python = fast
    broken = np.zeros(len(text), dtype=bool)
    if translated is not None:
        plain = mask(pc.string_is_ascii(text)) & ~mask(pc.match_substring(text, "\n"))
        try:
            matched = mask(pc.match_substring_regex(text, translated))
        except pa.ArrowInvalid:  # RE2 refused it after all: Python does it all
            pass
        else:
            broken = fast & plain & ~matched
            in_python = fast & ~plain
    if in_python.any():
        rows = np.flatnonzero(in_python)
        sub = text.take(int64s(rows))
        distinct = pc.unique(sub)
        compiled = python_pattern(pattern)
        misses = [i for i, cell in enumerate(distinct.to_pylist()) if not compiled.match(cell)]
        codes = numbers(pc.index_in(sub, value_set=distinct))
        broken[rows[np.isin(codes, misses)]] = True
    return np.flatnonzero(broken)
