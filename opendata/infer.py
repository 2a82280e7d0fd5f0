"""A first Table Schema from a steward's table, for ``opendata new`` to write and a person to edit.

Types come from frictionless's own inference (``Resource.infer``), run on the cells as the
pipeline will validate them (numbers in the declared dialect rewritten with a "." decimal,
as opendata.prepare does). Where frictionless's guess does not fit published open data it is
corrected, and the corrections are listed in docs/stewards.md:

- a column of digits with a leading zero ("01234567") is a code: ``string``, not ``integer``;
- a whole-number column named like a year (År, year, årtal) with values 1800-2100: ``year``;
- types the pipeline cannot convert (geopoint, duration, yearmonth, ...) become ``string``;
- frictionless infers no constraints: ``required`` where no cell is empty, ``enum`` for text
  with few distinct values, and a ``primaryKey`` from the first column that is unique and full.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from opendata.table_schema import ARROW_TYPES

TODO = "TODO"  # the marker of a text a person must still write (opendata.describe)
SCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
ENUM_MAX = 12
SAMPLE_ROWS = 20_000  # rows frictionless reads for the types; constraints look at every row
_YEAR_NAME = re.compile(r"(^|_)(ar|artal|year|aar)($|_)")
_LETTERS = {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss", "ð": "d", "þ": "th"}


def field_name(header: str) -> str:
    """'Antal accesspunkter' -> 'antal_accesspunkter', 'Område (kod)' -> 'omrade_kod' (ASCII)."""
    text = "".join(_LETTERS.get(ch, ch) for ch in header)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not name:
        name = "column"
    return f"f_{name}" if name[0].isdigit() else name


def field_names(headers: list[str]) -> list[str]:
    """Distinct snake_case names, in header order (a repeat gets _2, _3, ...)."""
    out: list[str] = []
    for header in headers:
        base = field_name(header)
        name, n = base, 2
        while name in out:
            name, n = f"{base}_{n}", n + 1
        out.append(name)
    return out


def normalise(cells: list[str], decimal: str, thousands: str) -> list[str]:
    """Cells of a number column as prepare() will hand them to the validator."""
    out = []
    for cell in cells:
        value = cell.strip()
        if thousands:
            value = value.replace(thousands, "")
        if decimal == ",":
            value = value.replace(",", ".")
        out.append(value)
    return out


def _frictionless_types(names: list[str], columns: list[list[str]]) -> dict[str, str]:
    from frictionless import Detector, Resource  # here: only `opendata new` infers

    rows = [list(r) for r in zip(*columns, strict=True)][:SAMPLE_ROWS] if columns else []
    resource = Resource(data=[names, *rows], detector=Detector(sample_size=max(len(rows), 1), field_confidence=1.0))
    resource.infer()
    return {f.name: f.type for f in resource.schema.fields}


def _looks_numeric(cells: list[str]) -> bool:
    return all(re.fullmatch(r"[-+]?\d+([.,]\d+)?", c) for c in cells if c) and any(cells)


def infer_schema(
    headers: list[str], columns: list[list[str]], decimal: str = ".", thousands: str = ""
) -> dict[str, Any]:
    """A Table Schema descriptor: typed fields with Swedish titles, TODO descriptions, keys."""
    names = field_names(headers)
    trimmed = [[c.strip() for c in col] for col in columns]
    numeric = [normalise(col, decimal, thousands) for col in trimmed]
    candidates = [num if _looks_numeric(num) else col for col, num in zip(trimmed, numeric, strict=True)]
    types = _frictionless_types(names, candidates)
    fields: list[dict[str, Any]] = []
    key: str | None = None
    for header, name, cells in zip(headers, names, candidates, strict=True):
        kind = types.get(name, "string")
        values = [c for c in cells if c]
        if kind not in ARROW_TYPES:
            kind = "string"
        if kind == "integer" and any(re.fullmatch(r"0\d+", v) for v in values):
            kind = "string"  # a code with a leading zero, not a count
        if kind == "integer" and _YEAR_NAME.search(name) and all(1800 <= int(v) <= 2100 for v in values):
            kind = "year"
        field: dict[str, Any] = {
            "name": name,
            "type": kind,
            "title": header,
            "description": f"{TODO}: beskriv kolumnen '{header}'",
        }
        constraints: dict[str, Any] = {}
        full = bool(cells) and len(values) == len(cells)
        if full:
            constraints["required"] = True
        distinct = set(values)
        if kind == "string" and len(values) >= 4 and len(distinct) <= min(ENUM_MAX, len(values) // 2):
            constraints["enum"] = sorted(distinct)
        if key is None and full and len(distinct) == len(values) and kind in ("string", "integer"):
            key = name
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    schema: dict[str, Any] = {
        "$schema": SCHEMA_PROFILE,
        "title": f"{TODO}: skriv schemats titel",
        "description": f"{TODO}: beskriv vad en rad är",
        "fields": fields,
    }
    if key:
        schema["primaryKey"] = [key]
    schema["missingValues"] = [""]
    return schema
