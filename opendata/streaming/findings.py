"""Findings gathered batch by batch, then ordered and cut as frictionless orders and cuts them.

Each batch leaves only its findings (row in the whole table, field, rule, the cell as
the report shows it), never its cells. ``Gathered.add`` stops keeping findings once the
rows so far hold the error limit: key repeats, found at the end, can only bring the cut
earlier, so nothing past that row can reach the report. The assembly at the end is the
in-memory engine's (``opendata.validate.fast.findings``), on these sparse records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from opendata.prepare import PreparedTable
from opendata.report import CellError
from opendata.validate.fast.cells import ReadColumn
from opendata.validate.fast.findings import (
    Found,
    RowNames,
    _blank_rows,
    _cell_records,
    cell_text,
    ordered_errors,
)  # fmt: skip
from opendata.validate.fast.keys import Repeats
from opendata.validate.fast.spec import FieldSpec


@dataclass
class Gathered:
    """Cell findings and blank rows of the batches so far, by row of the whole table."""

    specs: list[FieldSpec]
    limit: int
    rows: list[np.ndarray] = field(default_factory=list)
    fields: list[np.ndarray] = field(default_factory=list)
    ranks: list[np.ndarray] = field(default_factory=list)
    blank: list[np.ndarray] = field(default_factory=list)
    values: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, field) -> cell as shown
    errors: int = 0  # errors counted so far, frictionless's way (a blank row is one)
    full: bool = False  # the limit is reached: later rows cannot reach the report

    def add(self, reads: list[ReadColumn], prepared: PreparedTable, start: int) -> bool:
        """Keep one batch's findings; whether it had any."""
        found = Found(self.specs, reads, {}, None, [])
        rows, fields, ranks = _cell_records(found)
        blank = _blank_rows(found)
        keep = ~blank[rows] if rows.size else np.zeros(0, dtype=bool)
        rows, fields, ranks = rows[keep], fields[keep], ranks[keep]
        blank_rows = np.flatnonzero(blank)
        if not rows.size and not blank_rows.size:
            return False
        erring, counts = np.unique(np.concatenate([rows, blank_rows]), return_counts=True)
        total = self.errors + np.cumsum(counts)
        if total[-1] >= self.limit:  # the row that reaches the limit is the last one kept
            last = erring[int(np.searchsorted(total, self.limit))]
            at, blank_rows = rows <= last, blank_rows[blank_rows <= last]
            rows, fields, ranks = rows[at], fields[at], ranks[at]
            self.full = True
        self.errors = int(total[-1])
        for row, f in set(zip(rows.tolist(), fields.tolist(), strict=True)):
            self.values[(start + row, f)] = cell_text(prepared, self.specs[f].name, row)
        self.rows.append(rows + start)
        self.fields.append(fields)
        self.ranks.append(ranks)
        self.blank.append(blank_rows + start)
        return True


@dataclass(frozen=True)
class Where:
    """How a row of the whole table is named in the report."""

    first_data_row: int
    row_word: str
    source_columns: dict[str, str]

    def row(self, index: int) -> int:
        return self.first_data_row + index


def assemble(
    gathered: Gathered, unique: dict[int, Repeats], primary: Repeats | None, primary_fields: list[int],
    where: Where, descriptors: list[dict[str, Any]], limit: int,
) -> list[CellError]:  # fmt: skip
    """The report's errors, in frictionless's order, at most ``limit`` of them."""
    specs = gathered.specs
    empty = np.zeros(0, dtype=np.int64)
    rows = np.concatenate(gathered.rows) if gathered.rows else empty
    fields = np.concatenate(gathered.fields) if gathered.fields else empty
    ranks = np.concatenate(gathered.ranks) if gathered.ranks else empty
    blank = np.unique(np.concatenate(gathered.blank)) if gathered.blank else empty
    found = Found(specs, [], unique, primary, primary_fields)
    values = gathered.values
    names = RowNames(where.row, where.row_word, where.source_columns, lambda row, f: values[(row, f)])
    return ordered_errors(found, rows, fields, ranks, blank, names, descriptors, limit)
