"""The Frictionless Table Schema of a dataset, and what follows from it for Arrow.

The schema is the contract with data users: CSV headers, Parquet column types and the
portal's data dictionary all come from it, never from guessing.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from opendata.errors import ManifestError

if TYPE_CHECKING:
    from frictionless import Schema

# Table Schema type -> Arrow type of the typed table (and of the Parquet columns).
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "datetime": pa.timestamp("s"),
    "time": pa.time32("s"),
    "year": pa.int32(),
}


@dataclass(frozen=True)
class TableSchema:
    """A validated Table Schema descriptor, with its path for messages."""

    descriptor: dict[str, Any]
    path: Path

    @property
    def fields(self) -> list[dict[str, Any]]:
        return list(self.descriptor["fields"])

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    @property
    def numeric_fields(self) -> list[str]:
        return [f["name"] for f in self.fields if f.get("type") in ("number", "integer")]

    @property
    def primary_key(self) -> list[str]:
        key = self.descriptor.get("primaryKey") or []
        return [key] if isinstance(key, str) else list(key)

    @property
    def missing_values(self) -> list[str]:
        return list(self.descriptor.get("missingValues", [""]))

    def arrow_schema(self) -> pa.Schema:
        """Arrow types from the Table Schema, with titles and descriptions as field metadata."""
        out = []
        for f in self.fields:
            meta = {k: str(f[k]) for k in ("title", "description") if f.get(k)}
            required = bool(f.get("constraints", {}).get("required"))
            out.append(pa.field(f["name"], arrow_type(f), nullable=not required, metadata=meta or None))
        return pa.schema(out)

    def frictionless(self) -> Schema:
        from frictionless import Schema

        return Schema.from_descriptor(self.descriptor)


def arrow_type(field: dict[str, Any]) -> pa.DataType:
    kind = field.get("type", "string")
    if kind not in ARROW_TYPES:
        raise ManifestError(
            f"field '{field['name']}' has type '{kind}', which the pipeline cannot convert; "
            f"use one of {', '.join(ARROW_TYPES)}"
        )
    return ARROW_TYPES[kind]


def load_schema(path: Path) -> TableSchema:
    """Read and check a Table Schema file: JSON, frictionless-valid, every field typed."""
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: Table Schema file not found") from None
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    from opendata.hints import schema_key_problems

    unknown = schema_key_problems(descriptor)
    if unknown:
        raise ManifestError(f"{path}: " + f"\n{path}: ".join(unknown))
    _check_with_frictionless(path, descriptor)
    return TableSchema(descriptor, path)


_RECORD_VERDICTS = contextvars.ContextVar("record_schema_verdicts", default=True)


@contextlib.contextmanager
def verdicts_not_recorded() -> Iterator[None]:
    """For a dry run, which writes nothing: remembered verdicts are read, new ones not kept."""
    token = _RECORD_VERDICTS.set(False)
    try:
        yield
    finally:
        _RECORD_VERDICTS.reset(token)


def _check_with_frictionless(path: Path, descriptor: dict[str, Any]) -> None:
    """frictionless's verdict on the descriptor, remembered once it accepted these exact
    contents (``<build>/.cache/schemas``): frictionless costs half a second to import, and
    most commands read an unchanged schema."""
    mark = _verdict_mark(descriptor)
    if mark is not None and mark.is_file():
        return
    from frictionless import FrictionlessException, Schema

    try:
        schema = Schema.from_descriptor(descriptor)
    except FrictionlessException as exc:
        problems = "; ".join(e.message for e in exc.reasons) or exc.error.message
        raise ManifestError(f"{path}: not a valid Table Schema: {problems}") from None
    for field in schema.fields:
        if field.type not in ARROW_TYPES:
            raise ManifestError(f"{path}: field '{field.name}' has unsupported type '{field.type}'")
    if mark is not None and _RECORD_VERDICTS.get():
        with contextlib.suppress(OSError):  # a read-only build folder: check again next time
            mark.parent.mkdir(parents=True, exist_ok=True)
            mark.touch()


@functools.cache
def _checker() -> str | None:
    """The frictionless release whose verdicts count (read once: a run loads many schemas)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"frictionless {version('frictionless')}"
    except PackageNotFoundError:
        return None


def _verdict_mark(descriptor: dict[str, Any]) -> Path | None:
    from opendata.settings import build_root

    checker = _checker()
    if checker is None:
        return None
    contents = json.dumps(descriptor, sort_keys=True, ensure_ascii=False)
    key = hashlib.sha256(f"{checker}\n{contents}".encode()).hexdigest()
    return build_root() / ".cache" / "schemas" / f"{key}.accepted"
