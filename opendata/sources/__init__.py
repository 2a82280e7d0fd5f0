"""Source types, keyed by the manifest's ``source.type``.

A new source type is a settings model in ``opendata.sources.settings`` (added to the
``SourceSettings`` union, which the manifest's ``source`` key accepts) and a module with a
``Source`` subclass, named in ``IMPLEMENTATIONS``. The implementation is imported the first
time a source of its type is read, so reading manifests needs neither pyarrow nor requests.
"""

from __future__ import annotations

import importlib
from typing import Any

from opendata.errors import SourceError
from opendata.sources.base import ParsedTable, RawPart, RawSnapshot, Source
from opendata.sources.settings import SourceSettings, SourceSettingsBase

# type -> (module, class) of its implementation
IMPLEMENTATIONS: dict[str, tuple[str, str]] = {
    "csv": ("opendata.sources.csv_file", "CsvSource"),
    "excel": ("opendata.sources.excel", "ExcelSource"),
    "http": ("opendata.sources.http", "HttpSource"),
    "kolada": ("opendata.sources.kolada", "KoladaSource"),
    "skolverket": ("opendata.sources.skolverket", "SkolverketSource"),
    "ssb": ("opendata.sources.ssb", "SsbSource"),
}
_instances: dict[str, Source[Any]] = {}


def source_for(settings: SourceSettingsBase) -> Source[Any]:
    """The implementation of ``settings.type``, imported on first use."""
    found = _instances.get(settings.type)
    if found is None:
        try:
            module, name = IMPLEMENTATIONS[settings.type]
        except KeyError:
            raise SourceError(f"no source module for type '{settings.type}'") from None
        found = _instances[settings.type] = getattr(importlib.import_module(module), name)()
    return found


__all__ = [
    "IMPLEMENTATIONS",
    "ParsedTable",
    "RawPart",
    "RawSnapshot",
    "Source",
    "SourceSettings",
    "SourceSettingsBase",
    "source_for",
]
