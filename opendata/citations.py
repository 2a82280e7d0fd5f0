"""Citations per row: which rows hold figures from a cited publication, and which are sample.

A dataset may mix a few published figures into a sample table (PTS's figures for two years,
quoted in press releases, among made-up ones). The manifest's ``citations`` names each
cited row by its key and the fields the publication gives; the pipeline writes the citation
into ``note_field`` and ``false`` into ``sample_field`` on those rows, and the uncited note
and ``true`` elsewhere. A cited row may hold nothing but the cited figures, so a sample value
cannot pass as a published one; a citation that matches no row is an error too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from opendata.report import CellError

if TYPE_CHECKING:  # imported where rows are cited: reading a manifest needs no pyarrow
    import pyarrow as pa


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Citation(_Strict):
    where: dict[str, str] = Field(min_length=1, description="the row's key, e.g. {year: 2020, area_type: total}")
    fields: list[str] = Field(min_length=1, description="the fields whose figures the publication gives")
    source: str = Field(min_length=1, description="who published it, when, and what it says")
    url: str | None = Field(default=None, pattern=r"^https?://")

    @field_validator("where", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        """YAML makes 2020 a number and true a boolean; the table compares text."""
        if isinstance(value, dict):
            return {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in value.items()}
        return value

    @property
    def text(self) -> str:
        return f"{self.source} ({self.url})" if self.url else self.source


class Uncited(_Strict):
    note: str = Field(min_length=1, description="the note on every other row, e.g. 'Exempeldata (inte uppmätt)'")
    sample: bool = Field(default=True, description="whether the other rows are sample data")


class Citations(_Strict):
    note_field: str = Field(description="the field that receives the citation (or the uncited note)")
    sample_field: str = Field(description="the boolean field: false on cited rows")
    uncited: Uncited
    rows: list[Citation] = Field(default_factory=list)

    def constants(self) -> dict[str, str]:
        """The two fields as the uncited rows have them (the cited rows are set by ``cite``)."""
        return {self.note_field: self.uncited.note, self.sample_field: "true" if self.uncited.sample else "false"}


def cite(
    table: pa.Table, citations: Citations, row_of: Callable[[int], int], exempt: set[str]
) -> tuple[pa.Table, list[CellError]]:
    """The table with the citation fields filled in, and an error per citation that does not fit."""
    n = table.num_rows
    notes: list[list[str]] = [[] for _ in range(n)]
    covered: list[set[str]] = [set() for _ in range(n)]
    errors: list[CellError] = []
    names = set(table.column_names)
    for c in citations.rows:
        unknown = [k for k in (*c.where, *c.fields) if k not in names]
        if unknown:
            message = f"the citation '{_short(c.source)}' names field(s) {', '.join(unknown)}, which the table lacks"
            errors.append(CellError("citation", message + "; correct its 'where' or 'fields' in the manifest"))
            continue
        keys = {k: table.column(k).to_pylist() for k in c.where}
        rows = [i for i in range(n) if all((keys[k][i] or "") == v for k, v in c.where.items())]
        if not rows:
            condition = ", ".join(f"{k} = {v}" for k, v in c.where.items())
            message = f"the citation '{_short(c.source)}' matches no row ({condition}); correct its 'where'"
            errors.append(CellError("citation", message + " in the manifest's citations"))
        for i in rows:
            notes[i].append(c.text)
            covered[i] |= {*c.fields, *c.where}
    skip = exempt | {citations.note_field, citations.sample_field}
    columns = {name: table.column(name).to_pylist() for name in table.column_names if name not in skip}
    for i in (i for i in range(n) if notes[i]):
        for name, cells in columns.items():
            value = cells[i] or ""
            if name in covered[i] and not value:
                message = (
                    "the manifest cites a publication for this cell, but it is empty; fill it in or fix the citation"
                )
                errors.append(CellError("citation", message, row=row_of(i), column=name))
            elif name not in covered[i] and value:
                message = (
                    "this row is cited as published, but no citation covers this cell; empty it, or add "
                    "the field to the citation's 'fields' if the publication gives it"
                )
                errors.append(CellError("uncited-value", message, row=row_of(i), column=name, value=value))
    table = _set(table, citations.note_field, ["; ".join(x) if x else citations.uncited.note for x in notes])
    default = "true" if citations.uncited.sample else "false"
    return _set(table, citations.sample_field, ["false" if x else default for x in notes]), errors


def _set(table: pa.Table, name: str, values: list[str]) -> pa.Table:
    if name not in table.column_names:
        return table
    from opendata.arrow_build import strings

    return table.set_column(table.column_names.index(name), name, strings(values))


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "…"
