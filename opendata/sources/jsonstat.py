"""A small JSON-stat 2.0 decoder (https://json-stat.org/format/): a dataset to one row per cell.

A JSON-stat dataset keeps its cells in one flat ``value`` array (or an object of position ->
value when sparse), ordered by the dimensions in ``id`` with the last one varying fastest;
``size`` gives each dimension's length, and ``dimension[id].category`` its codes (``index``, a
list or code -> position) and labels. ``status`` marks cells (a string for all, a list, or an
object of position -> status); SSB uses it for ".." (not available yet), "." (cannot occur)
and ":" (confidential), with a null value.

pyjstat (PyPI) decodes to pandas but drops ``status``, which is what says why a value is
missing, so this 60-line decoder is used instead.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from opendata.errors import SourceError


@dataclass(frozen=True)
class Dimension:
    id: str
    label: str
    codes: list[str]
    labels: dict[str, str]


@dataclass(frozen=True)
class Cell:
    codes: tuple[str, ...]  # one code per dimension, in ``id`` order
    value: float | int | str | None
    status: str | None


def dimensions(data: dict[str, Any], where: str) -> list[Dimension]:
    """The dataset's dimensions in ``id`` order, each with its codes in index order."""
    _check(data, where)
    out = []
    for dim_id, size in zip(data["id"], data["size"], strict=True):
        dim = data["dimension"].get(dim_id)
        if not isinstance(dim, dict) or not isinstance(dim.get("category"), dict):
            raise SourceError(f"{where}: JSON-stat dimension '{dim_id}' has no category")
        category = dim["category"]
        index = category.get("index")
        labels = category.get("label") or {}
        if index is None:  # a single category may give only its label
            codes = list(labels)
        elif isinstance(index, list):
            codes = [str(c) for c in index]
        else:
            codes = [str(c) for c, _ in sorted(index.items(), key=lambda kv: int(kv[1]))]
        if len(codes) != size:
            raise SourceError(f"{where}: JSON-stat dimension '{dim_id}' has {len(codes)} categories, size says {size}")
        out.append(Dimension(dim_id, str(dim.get("label", dim_id)), codes, {c: str(labels.get(c, c)) for c in codes}))
    return out


def cells(data: dict[str, Any], where: str) -> list[Cell]:
    """Every cell, in the dataset's own order (last dimension fastest), with its status."""
    dims = dimensions(data, where)
    total = 1
    for d in dims:
        total *= len(d.codes)
    values, status = data.get("value"), data.get("status")
    if isinstance(values, list) and len(values) != total:
        raise SourceError(f"{where}: JSON-stat 'value' has {len(values)} cells; the sizes make {total}")
    out = []
    for pos, codes in enumerate(itertools.product(*(d.codes for d in dims))):
        out.append(Cell(tuple(codes), _at(values, pos), _status(status, pos)))
    return out


def _at(values: Any, pos: int) -> Any:
    if isinstance(values, list):
        return values[pos]
    if isinstance(values, dict):
        return values.get(str(pos))
    return None


def _status(status: Any, pos: int) -> str | None:
    if isinstance(status, str):
        return status
    found = _at(status, pos)
    return None if found is None else str(found)


def _check(data: Any, where: str) -> None:
    ok = (
        isinstance(data, dict)
        and isinstance(data.get("id"), list)
        and isinstance(data.get("size"), list)
        and len(data["id"]) == len(data["size"])
        and isinstance(data.get("dimension"), dict)
        and isinstance(data.get("value"), list | dict)
    )
    if not ok:
        raise SourceError(
            f"{where}: expected a JSON-stat 2.0 dataset (id, size, dimension, value); the answer has another "
            "shape (ask for outputFormat=json-stat2)"
        )
