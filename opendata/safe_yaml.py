"""A YAML reader for files a person edits: no aliases, no implicit dates, a size limit.

``yaml.safe_load`` expands aliases, so 1.7 KB of nested ``&a [*a, *a, ...]`` becomes gigabytes
(a "billion laughs" bomb); manifests never need aliases, so any alias is refused before it is
expanded. Dates stay text, so the manifest model checks them and names the key
(``start: 2023-02-30`` is a model error, not a bare ``ValueError`` from the YAML parser).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from opendata.errors import ManifestError

MAX_YAML_BYTES = 1_000_000  # a manifest is a page of text; anything larger is not one


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses aliases and leaves timestamps as strings."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            line = event.start_mark.line + 1
            raise _AliasUsed(line)
        return super().compose_node(parent, index)


class _AliasUsed(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


# Without the timestamp resolver, 2023-02-30 is the text "2023-02-30" for the model to judge.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _FastLoader(getattr(yaml, "CSafeLoader", _Loader)):  # type: ignore[misc]
    """libyaml's parser (ten times faster) with the same resolvers; aliases are looked for first."""


_FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


def _load(text: str) -> Any:
    """libyaml when the text is well-formed and alias-free; else the pure-Python loader, whose
    messages (and refusal of aliases) are the ones a steward sees."""
    try:
        if not any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=_FastLoader)):
            return yaml.load(text, Loader=_FastLoader)
    except yaml.YAMLError:
        pass
    return yaml.load(text, Loader=_Loader)


def read_yaml(path: Path) -> Any:
    """The YAML document at ``path``; every problem is a ManifestError naming the file."""
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise ManifestError(f"{path}: {size} bytes is larger than a manifest can be ({MAX_YAML_BYTES} bytes)")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise ManifestError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    try:
        return _load(text)
    except _AliasUsed as exc:
        raise ManifestError(
            f"{path}: line {exc.line} uses a YAML alias (*name); aliases are not allowed in manifests, "
            "write the value out"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ManifestError(f"{path}: not valid YAML: {where}{_short(str(problem))}") from None


def _short(text: str, limit: int = 120) -> str:
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
