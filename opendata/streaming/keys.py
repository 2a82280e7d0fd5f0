"""``unique`` fields and the primary key across batches: 64-bit fingerprints, then exact values.

The batches are gone by the end of the file, so the values cannot be kept; a fingerprint
per row (8 bytes: 160 MB at 20 million rows) can. Equal values have equal fingerprints,
so sorting them at the end finds every value that may repeat. Where fingerprints meet
(true repeats, or a rare collision of two values), a second pass reads only the key
columns again, keeps the rows whose fingerprint is among those, and replays them through
the same exact logic as the in-memory engine (``opendata.validate.fast.keys``): frictionless's
own values, the latest earlier row named. A valid file is read once.

Strings are hashed whole (every 8-byte word), not by their ends as in the in-memory
engine: there every candidate is checked in memory at once, here each one costs the
second pass, so addresses that share their first and last bytes must not all collide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pyarrow as pa

from opendata.arrow_build import flags
from opendata.validate.fast.cells import Column
from opendata.validate.fast.fingerprint import _NULL, _chunk, _mix
from opendata.validate.fast.keys import Repeats, _cells, _exact, _remember


def fingerprints(column: Column) -> np.ndarray:
    """One uint64 per row; equal values (and nulls) get equal fingerprints."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    parts = [_whole_strings(c) if pa.types.is_string(c.type) else _chunk(c) for c in chunks]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


def key_fingerprints(columns: list[Column]) -> np.ndarray:
    """One fingerprint per row for a combination of columns (a primary key of several fields)."""
    mixed = np.zeros(len(columns[0]), dtype=np.uint64)
    for i, column in enumerate(columns):
        mixed = _mix(mixed ^ _mix(fingerprints(column) + np.uint64(i)))
    return mixed


def _whole_strings(chunk: pa.Array) -> np.ndarray:
    """Every byte of each string, eight at a time, mixed with its length."""
    raw = np.frombuffer(chunk.buffers()[1], dtype=np.int32)
    offsets = np.asarray(raw[chunk.offset : chunk.offset + len(chunk) + 1], dtype=np.int64)
    buffer = chunk.buffers()[2]
    data = np.zeros(0, np.uint8) if buffer is None else np.frombuffer(buffer, np.uint8)
    window = np.lib.stride_tricks.sliding_window_view(np.concatenate([data, np.zeros(8, np.uint8)]), 8)
    starts, length = offsets[:-1], offsets[1:] - offsets[:-1]
    out = _mix(length.astype(np.uint64) ^ np.uint64(0x2545F4914F6CDD1D))
    if length.size and not chunk.null_count and (length == length[0]).all() and length[0] > 0:
        return _same_length(data[offsets[0] : offsets[-1]], length.size, int(length[0]), out)
    active = np.flatnonzero(length > 0)
    word = 0
    while active.size:
        left = length[active] - 8 * word
        value = window[starts[active] + 8 * word].copy().view("<u8").ravel()
        bits = np.minimum(left, 8).astype(np.uint64) * np.uint64(8)
        with np.errstate(over="ignore"):
            own = np.where(left < 8, (np.uint64(1) << (bits % np.uint64(64))) - np.uint64(1), ~np.uint64(0))
        out[active] = _mix(out[active] ^ (value & own) ^ np.uint64(word + 1))
        word += 1
        active = active[left > 8]
    if chunk.null_count:
        out = np.where(flags(chunk.is_null()), _NULL, out)
    return out


def _same_length(data: np.ndarray, rows: int, size: int, out: np.ndarray) -> np.ndarray:
    """``_whole_strings`` for strings of one length (ids, codes): the words read as one matrix."""
    words = -(-size // 8)
    padded = np.zeros((rows, words * 8), dtype=np.uint8)
    padded[:, :size] = data.reshape(rows, size)
    values = padded.view("<u8")
    for word in range(words):
        out = _mix(out ^ values[:, word] ^ np.uint64(word + 1))
    return out


class Prints:
    """Fingerprints of one key, appended batch by batch into one growing array."""

    def __init__(self, expected_rows: int = 1 << 16) -> None:
        self._values = np.empty(max(expected_rows, 1024), dtype=np.uint64)
        self._size = 0

    def add(self, values: np.ndarray) -> None:
        end = self._size + values.size
        if end > self._values.size:  # the estimate was short: grow by a quarter (a copy)
            grown = np.empty(max(end, self._values.size * 5 // 4), dtype=np.uint64)
            grown[: self._size] = self._values[: self._size]
            self._values = grown
        self._values[self._size : end] = values
        self._size = end

    def shared(self) -> np.ndarray:
        """The fingerprints seen more than once (sorted in place: no second copy of them)."""
        values = self._values[: self._size]
        values.sort()
        repeats = [np.zeros(0, dtype=np.uint64)]
        for i in range(0, values.size - 1, 1 << 20):  # a million at a time: no 20 MB mask at 20M rows
            left, right = values[i : i + (1 << 20)], values[i + 1 : i + 1 + (1 << 20)]
            repeats.append(right[right == left[: right.size]])
        out = np.unique(np.concatenate(repeats))
        self._values = np.empty(0, dtype=np.uint64)  # free the array before any second pass
        self._size = 0
        return out


@dataclass
class Replay:
    """Exact replay of the candidate rows, in file order, batch by batch (second pass)."""

    shared: np.ndarray
    found: Repeats = field(default_factory=Repeats)
    seen: dict[Any, int] = field(default_factory=dict)

    def unique(self, spec: Any, text: Column, typed: Column, start: int) -> None:
        present = ~_nulls(typed)
        rows = np.flatnonzero(present & np.isin(fingerprints(typed), self.shared))
        for row, value in zip(rows.tolist(), _exact(spec, text, rows), strict=True):
            _remember(self.seen, value, start + row, self.found, partial(str, value))

    def primary(self, specs: list[Any], texts: list[Column], typed: list[Column], start: int) -> None:
        empty = np.logical_and.reduce([_nulls(t) for t in typed])
        rows = np.flatnonzero(~empty & np.isin(key_fingerprints(typed), self.shared))
        exact = [_exact(spec, text, rows) for spec, text in zip(specs, texts, strict=True)]
        for i, row in enumerate(rows.tolist()):
            key = tuple(values[i] for values in exact)
            _remember(self.seen, key, start + row, self.found, partial(_cells, texts, row))


def empty_keys(typed: list[Column]) -> np.ndarray:
    """Rows whose primary key cells are all empty (reported on their own, never a repeat)."""
    empty: np.ndarray = np.logical_and.reduce([_nulls(t) for t in typed])
    return empty


def present_prints(column: Column) -> np.ndarray:
    present: np.ndarray = fingerprints(column)[~_nulls(column)]
    return present


def add_empty(found: Repeats, rows: Iterable[int], shown: Callable[[int], str], start: int) -> None:
    for row in rows:
        found.rows.append(start + row)
        found.previous.append(-1)
        found.values.append(shown(row))


def _nulls(typed: Column) -> np.ndarray:
    return flags(typed.is_null())
