"""Source types, keyed by the manifest's ``source.type``.

A new source type is a module with a settings model and a ``Source`` subclass, added to
``REGISTRY``; the manifest model's ``source`` key accepts exactly the registered types.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from opendata.errors import SourceError
from opendata.sources.base import ParsedTable, RawPart, RawSnapshot, Source, SourceSettingsBase
from opendata.sources.csv_file import CsvSettings, CsvSource
from opendata.sources.excel import ExcelSettings, ExcelSource
from opendata.sources.http import HttpSettings, HttpSource
from opendata.sources.kolada import KoladaSettings, KoladaSource
from opendata.sources.skolverket import SkolverketSettings, SkolverketSource
from opendata.sources.ssb import SsbSettings, SsbSource

REGISTRY: dict[str, Source[Any]] = {
    "csv": CsvSource(),
    "excel": ExcelSource(),
    "http": HttpSource(),
    "kolada": KoladaSource(),
    "skolverket": SkolverketSource(),
    "ssb": SsbSource(),
}

SourceSettings = Annotated[
    CsvSettings | ExcelSettings | HttpSettings | KoladaSettings | SkolverketSettings | SsbSettings,
    Field(discriminator="type"),
]


def source_for(settings: SourceSettingsBase) -> Source[Any]:
    try:
        return REGISTRY[settings.type]
    except KeyError:
        raise SourceError(f"no source module for type '{settings.type}'") from None


__all__ = ["REGISTRY", "ParsedTable", "RawPart", "RawSnapshot", "Source", "SourceSettings", "source_for"]
