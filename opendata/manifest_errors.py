"""Turn pydantic's validation errors into lines a data steward can act on."""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model that owns the keys at ``loc`` (follows nested models and tagged unions)."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                field = next((f for f in current.model_fields.values() if f.alias == part), None)
            if field is None:
                return None
            current = field.annotation
        current = _unwrap(current, part)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any, tag: Any) -> Any:
    """Strip Optional/Annotated/Union, choosing the union member whose ``type`` is ``tag``."""
    origin = typing.get_origin(annotation)
    if origin is list and isinstance(tag, int):
        return typing.get_args(annotation)[0]
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0], tag)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        for member in members:
            if isinstance(member, type) and issubclass(member, BaseModel):
                type_field = member.model_fields.get("type")
                if type_field is not None and tag in typing.get_args(type_field.annotation):
                    return member
        return members[0] if len(members) == 1 else annotation
    return annotation


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _describe(error: Any, model: type[BaseModel]) -> str:
    loc = tuple(error["loc"])
    # Pydantic puts the union tag into the location: drop it (source.csv.path -> source.path).
    shown = tuple(p for i, p in enumerate(loc) if not (i > 0 and loc[i - 1] == "source" and p in _source_tags(model)))
    key = _dotted(shown)
    if error["type"] == "extra_forbidden":
        owner = _model_at(model, loc[:-1])
        allowed = sorted(
            (f.alias or name) for name, f in (owner.model_fields.items() if owner else []) if not f.exclude
        )
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        text = f"unknown key '{key}'"
        if hint:
            text += f" (did you mean '{hint[0]}'?)"
        if allowed:
            text += f"; allowed here: {', '.join(allowed)}"
        return text
    if error["type"] == "missing":
        return f"missing required key '{key}'"
    if error["type"] == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"'{key}': {_shown(error['input'])} is not allowed; use one of {expected}"
    if error["type"] == "union_tag_invalid":
        expected = error.get("ctx", {}).get("expected_tags", "")
        return f"'{key}.type': {_shown(error['input'].get('type'))} is not a known source type; use one of {expected}"
    if error["type"] == "string_pattern_mismatch":
        return f"'{key}': {_shown(error['input'])} does not have the expected form ({error['ctx']['pattern']})"
    message = str(error["msg"]).removeprefix("Value error, ")
    return (
        f"'{key}': {message} (got {_shown(error['input'])})"
        if "input" in error and not isinstance(error["input"], dict)
        else f"'{key}': {message}"
    )


def _shown(value: object, limit: int = 80) -> str:
    """The value as typed, cut short: a message never echoes a huge (or expanded) input."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _source_tags(model: type[BaseModel]) -> set[str]:
    field = model.model_fields.get("source")
    if field is None:
        return set()
    inner = (
        typing.get_args(field.annotation)[0]
        if typing.get_origin(field.annotation) is typing.Annotated
        else field.annotation
    )
    tags: set[str] = set()
    for member in typing.get_args(inner) or (inner,):
        type_field = getattr(member, "model_fields", {}).get("type")
        if type_field is not None:
            tags.update(typing.get_args(type_field.annotation))
    return tags


def format_validation_error(path: Path, exc: ValidationError, model: type[BaseModel]) -> str:
    """One line per problem, each starting with the file: ``file: problem``."""
    lines = [f"{path}: {_describe(err, model)}" for err in exc.errors()]
    return "\n".join(lines)
