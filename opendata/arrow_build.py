"""Arrow arrays from Python values without asking pyarrow to convert Python objects.

pyarrow's first conversion of a Python object (``pa.array([...])``, ``pa.scalar(...)``, a
Python value passed to a compute function) imports pandas, to know whether the object is a
pandas one: about half a second, a third of a light command such as ``opendata validate``.
This project never hands pyarrow a pandas object, so the arrays that the validate step and
a run build are made here from buffers instead (``tests/test_cli_light.py`` checks that
``opendata validate`` leaves pandas unimported). The CKAN target, which runs beside Prefect
and its own imports, still uses ``pa.array``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa


def strings(values: Sequence[str | None]) -> pa.StringArray:
    """A string array (None is null), from one UTF-8 data buffer and its offsets."""
    encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
    ends = np.cumsum(lengths)
    if len(encoded) and ends[-1] >= 2**31:
        raise ValueError("more than 2 GiB of text in one column")
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    offsets[1:] = ends
    validity = _validity([v is not None for v in values]) if None in values else None
    return pa.StringArray.from_buffers(len(encoded), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded)), validity)


def int64s(values: Sequence[int] | np.ndarray) -> pa.Array:
    """An int64 array without nulls."""
    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])


def bools(values: Sequence[bool] | np.ndarray) -> pa.Array:
    """A boolean array without nulls (Arrow packs booleans one bit each, least significant first)."""
    flags = np.asarray(values, dtype=bool)
    bits = np.packbits(flags, bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(flags), [None, pa.py_buffer(bits)])


def _validity(present: list[bool]) -> pa.Buffer:
    return pa.py_buffer(np.packbits(np.asarray(present, dtype=bool), bitorder="little"))


def false() -> pa.BooleanScalar:
    """``False`` as an Arrow scalar (for ``pc.fill_null``), taken from an array, not converted."""
    return bools([False])[0]


def null_of(kind: pa.DataType) -> pa.Scalar:
    """A null of ``kind`` (for ``pc.if_else``)."""
    return pa.nulls(1, kind)[0]


def string(value: str) -> pa.StringScalar:
    return strings([value])[0]


_NUMPY = {
    pa.int8(): np.int8, pa.int16(): np.int16, pa.int32(): np.int32, pa.int64(): np.int64,
    pa.uint8(): np.uint8, pa.uint16(): np.uint16, pa.uint32(): np.uint32, pa.uint64(): np.uint64,
    pa.float32(): np.float32, pa.float64(): np.float64,
}  # fmt: skip


def flags(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean array as numpy booleans, null as False (``to_numpy`` would import pandas)."""
    if isinstance(array, pa.ChunkedArray):
        return _joined([flags(chunk) for chunk in array.chunks], np.bool_)
    if array.type != pa.bool_():
        raise TypeError(f"flags() takes a boolean array, not {array.type}")
    validity, data = array.buffers()
    values = _bits(data, array.offset, len(array))
    if array.null_count:
        values &= _bits(validity, array.offset, len(array))
    return values


def numbers(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A numeric array without nulls as numpy numbers of its own width (a copy)."""
    if isinstance(array, pa.ChunkedArray):
        return _joined([numbers(chunk) for chunk in array.chunks], _NUMPY[array.type])
    if array.null_count:
        raise ValueError("numbers() takes an array without nulls; fill them first")
    kind = _NUMPY[array.type]
    data = array.buffers()[1]
    if data is None:
        return np.zeros(len(array), dtype=kind)
    return np.frombuffer(data, dtype=kind)[array.offset : array.offset + len(array)].copy()


def _bits(buffer: pa.Buffer | None, offset: int, length: int) -> np.ndarray:
    if buffer is None:
        return np.ones(length, dtype=bool)
    unpacked = np.unpackbits(np.frombuffer(buffer, dtype=np.uint8), bitorder="little")
    return unpacked[offset : offset + length].astype(bool)


def _joined(parts: list[np.ndarray], kind: type) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=kind)


def number(value: int | float, kind: pa.DataType) -> pa.Scalar:
    """A number as an Arrow scalar of ``kind`` (for ``pc.fill_null``, ``pc.add``)."""
    data = np.asarray([value], dtype=_NUMPY[kind])
    return pa.Array.from_buffers(kind, 1, [None, pa.py_buffer(data)])[0]


_EPOCH = dt.datetime(1970, 1, 1)
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def values_of(items: Sequence[Any], kind: pa.DataType) -> pa.Array:
    """Python values of one Arrow type (None is null) as an array: text, booleans, numbers,
    dates, naive datetimes and times, the types of a Table Schema's fields."""
    if pa.types.is_string(kind):
        return strings(items)
    present = [v is not None for v in items]
    validity = None if all(present) else _validity(present)
    if kind == pa.bool_():
        bits = np.packbits(np.asarray([bool(v) for v in items], dtype=bool), bitorder="little")
        return pa.Array.from_buffers(kind, len(items), [validity, pa.py_buffer(bits)])
    if kind in _NUMPY:
        data = np.asarray([0 if v is None else v for v in items], dtype=_NUMPY[kind])
    elif pa.types.is_date32(kind):
        data = np.asarray([0 if v is None else (v - _EPOCH.date()).days for v in items], dtype=np.int32)
    elif pa.types.is_timestamp(kind) and kind.tz is None:
        step = dt.timedelta(seconds=1) / _PER_SECOND[kind.unit]
        data = np.asarray([0 if v is None else (v - _EPOCH) // step for v in items], dtype=np.int64)
    elif pa.types.is_time32(kind) or pa.types.is_time64(kind):
        per = _PER_SECOND[kind.unit]
        ticks = [
            0 if v is None else ((v.hour * 60 + v.minute) * 60 + v.second) * per + v.microsecond * per // 1_000_000
            for v in items
        ]
        data = np.asarray(ticks, dtype=np.int32 if pa.types.is_time32(kind) else np.int64)
    else:
        raise TypeError(f"values_of() cannot build {kind}")
    return pa.Array.from_buffers(kind, len(items), [validity, pa.py_buffer(data)])


def scalar(value: Any, kind: pa.DataType) -> pa.Scalar:
    """One value as an Arrow scalar of ``kind`` (a bound to compare a column with)."""
    return values_of([value], kind)[0]
