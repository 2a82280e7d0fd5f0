"""Arrays built from buffers equal what pyarrow's own conversion of the same values builds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendata import arrow_build

NAIVE = st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31))
KINDS: list[tuple[pa.DataType, st.SearchStrategy[Any]]] = [
    (pa.string(), st.text()),
    (pa.bool_(), st.booleans()),
    (pa.int64(), st.integers(-(2**63), 2**63 - 1)),
    (pa.int32(), st.integers(-(2**31), 2**31 - 1)),
    (pa.float64(), st.floats(allow_nan=False)),
    (pa.date32(), st.dates()),
    (pa.timestamp("s"), NAIVE.map(lambda d: d.replace(microsecond=0))),
    (pa.timestamp("us"), NAIVE),
    (pa.time32("s"), st.times().map(lambda t: t.replace(microsecond=0))),
    (pa.time64("us"), st.times()),
]


@pytest.mark.parametrize(("kind", "values"), KINDS, ids=[str(k) for k, _ in KINDS])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_values_of_equals_pyarrows_own_conversion(kind: pa.DataType, values: Any, data: Any) -> None:
    items = data.draw(st.lists(st.none() | values, max_size=40))
    built = arrow_build.values_of(items, kind)
    built.validate(full=True)
    assert built.equals(pa.array(items, kind))
    assert built.to_pylist() == items


def test_text_that_is_not_unicode_is_refused_as_pyarrow_refuses_it() -> None:
    with pytest.raises(UnicodeEncodeError):
        arrow_build.strings(["\ud800"])


@settings(deadline=None)
@given(st.lists(st.none() | st.booleans(), max_size=300), st.integers(0, 20))
def test_flags_read_the_bits_of_any_slice_null_as_false(items: list[bool | None], start: int) -> None:
    array = pa.chunked_array([pa.array(items, pa.bool_())[start:], pa.array([True, None], pa.bool_())])
    expected = [bool(v) for v in items[start:]] + [True, False]
    assert arrow_build.flags(array).tolist() == expected


@settings(deadline=None)
@given(st.lists(st.integers(-(2**31), 2**31 - 1), max_size=100), st.integers(0, 10))
def test_numbers_of_a_slice_are_its_values(items: list[int], start: int) -> None:
    array = pa.array(items, pa.int32())[start:]
    got = arrow_build.numbers(array)
    assert got.dtype == np.int32
    assert got.tolist() == items[start:]


def test_numbers_refuse_nulls_rather_than_invent_values() -> None:
    with pytest.raises(ValueError, match="fill them first"):
        arrow_build.numbers(pa.array([1, None], pa.int64()))


def test_scalars_compare_as_pyarrows_own() -> None:
    assert arrow_build.number(0, pa.int32()).equals(pa.scalar(0, pa.int32()))
    assert arrow_build.scalar(dt.date(2024, 2, 29), pa.date32()).equals(pa.scalar(dt.date(2024, 2, 29), pa.date32()))
    assert arrow_build.null_of(pa.float64()).equals(pa.scalar(None, pa.float64()))
    assert arrow_build.false().equals(pa.scalar(False))
    assert arrow_build.string("å").equals(pa.scalar("å"))
