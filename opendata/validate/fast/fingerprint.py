"""Which rows may repeat a key: 64-bit fingerprints first, exact grouping only where they meet.

Grouping a million distinct 36-character ids by hash in Arrow holds a copy of every string
plus a hash table (about 180 MB at peak for the benchmark's address ids). A fingerprint per
row (length, first and last eight bytes, mixed; the value itself for numbers and dates) is
8 bytes, and sorting those finds the rows that *might* repeat. Equal values always have
equal fingerprints, so no repeat is missed; the few rows that share a fingerprint are then
grouped exactly, by value.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from opendata.arrow_build import flags, int64s, number, numbers

_NULL = np.uint64(0x9E3779B97F4A7C15)


def repeated(columns: list[pa.Array | pa.ChunkedArray]) -> np.ndarray:
    """Rows whose combination of values occurs more than once (null counts as a value)."""
    if not columns or not len(columns[0]):
        return np.zeros(len(columns[0]) if columns else 0, dtype=bool)
    mixed = np.zeros(len(columns[0]), dtype=np.uint64)
    for i, column in enumerate(columns):
        mixed = _mix(mixed ^ _mix(fingerprints(column) + np.uint64(i)))
    ordered = np.sort(mixed)
    shared = ordered[1:][ordered[1:] == ordered[:-1]]  # fingerprints seen more than once
    out = np.zeros(len(mixed), dtype=bool)
    if not shared.size:  # the usual case for a key: nothing to group
        return out
    maybe = np.flatnonzero(np.isin(mixed, shared))
    if maybe.size:
        at = int64s(maybe)
        out[maybe] = _exactly_repeated([c.take(at) for c in columns])
    return out


def fingerprints(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """One uint64 per row; equal values (and nulls) get equal fingerprints."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    parts = [_chunk(chunk) for chunk in chunks]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


def _chunk(chunk: pa.Array) -> np.ndarray:
    kind = chunk.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        values = _strings(chunk)
    elif pa.types.is_floating(kind):  # the bits; -0.0 -> 0.0 first: one value as a Decimal
        zero = number(0.0, pa.float64())
        filled = pc.fill_null(pc.add(pc.cast(chunk, pa.float64()), zero), zero)
        values = numbers(filled).view(np.uint64)
    else:  # integers, booleans, dates, times, timestamps: the number Arrow stores
        whole = _INTEGER.get(kind.bit_width, pa.int64())
        filled = pc.fill_null(pc.cast(chunk, whole, safe=False), number(0, whole))
        values = numbers(filled).astype(np.int64).view(np.uint64)
    if chunk.null_count:
        nulls = flags(chunk.is_null())
        values = np.where(nulls, _NULL, values)
    return values


_INTEGER = {1: pa.int8(), 8: pa.int8(), 16: pa.int16(), 32: pa.int32(), 64: pa.int64()}


def _strings(chunk: pa.Array) -> np.ndarray:
    """Length, first and last 8 bytes of each string, mixed into 64 bits."""
    wide = pa.types.is_large_string(chunk.type)
    buffers = chunk.buffers()
    raw = np.frombuffer(buffers[1], dtype=np.int64 if wide else np.int32)
    offsets = np.asarray(raw[chunk.offset : chunk.offset + len(chunk) + 1], dtype=np.int64)
    data = np.zeros(0, np.uint8) if buffers[2] is None else np.frombuffer(buffers[2], np.uint8)
    padded = np.concatenate([data, np.zeros(8, dtype=np.uint8)])
    starts, ends = offsets[:-1], offsets[1:]
    length = ends - starts
    window = np.lib.stride_tricks.sliding_window_view(padded, 8)
    head = window[starts].copy().view("<u8").ravel()  # 8 bytes from the start: little-endian
    tail = window[np.maximum(ends - 8, starts)].copy().view("<u8").ravel()
    short = length < 8  # keep only the string's own bytes: the low ones
    bits = np.minimum(length, 8).astype(np.uint64) * np.uint64(8)
    with np.errstate(over="ignore"):
        own = np.where(short, (np.uint64(1) << (bits % np.uint64(64))) - np.uint64(1), ~np.uint64(0))
    head = head & own
    tail = np.where(short, head, tail)
    return _mix(head ^ _mix(tail ^ length.astype(np.uint64)))


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit moves every output bit."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        mixed: np.ndarray = x ^ (x >> np.uint64(31))
        return mixed


def _exactly_repeated(columns: list[pa.Array | pa.ChunkedArray]) -> np.ndarray:
    """Exact grouping by value (Arrow's hash), for the few rows fingerprints could not tell."""
    code: np.ndarray | None = None
    for column in columns:
        if isinstance(column, pa.ChunkedArray):  # one dictionary for the whole column
            column = column.combine_chunks()
        if pa.types.is_floating(column.type):
            column = pc.add(column, number(0.0, column.type))
        encoded = pc.dictionary_encode(column, null_encoding="encode")
        index = numbers(encoded.indices).astype(np.int64)
        if code is None:  # noqa: SIM108 (two branches read better than one long line)
            code = index
        else:
            code = np.unique(code * len(encoded.dictionary) + index, return_inverse=True)[1]
    if code is None or not code.size:
        return np.zeros(0, dtype=bool)
    repeated: np.ndarray = np.bincount(code)[code] > 1
    return repeated
