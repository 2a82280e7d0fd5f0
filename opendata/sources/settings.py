"""Every source type's manifest keys (``source:`` and ``join[].source:``), apart from the code that reads them.

Reading a manifest needs only these models: the implementations (``csv_file``, ``excel``,
``http``, ...) import pyarrow, requests and openpyxl, and ``opendata.sources.source_for``
imports one of them only when a source is read. ``opendata list`` and ``--help`` stay fast.
"""

from __future__ import annotations

import codecs
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class SourceSettingsBase(BaseModel):
    """Settings of one source type; ``type`` is the registry key."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: str


class CsvDialect(BaseModel):
    """How a CSV file is written: shared by local files (``type: csv``) and ``type: http``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quote_char: str = Field(default='"', min_length=1, max_length=1)
    encoding: str = "utf-8"
    bom: bool = Field(default=False, description="true when the file starts with a UTF-8 BOM")
    decimal: Literal[".", ","] = "."
    thousands: Literal["", " ", "\u00a0", ".", ","] = ""
    header_row: int = Field(default=1, ge=1, description="the line that holds the column names")

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding '{value}'; use e.g. utf-8 or windows-1252") from None
        return value


class CsvSettings(SourceSettingsBase, CsvDialect):
    type: Literal["csv"]
    path: str = Field(description="the file, relative to the dataset folder")


class ExcelSettings(SourceSettingsBase):
    type: Literal["excel"]
    path: str = Field(description="the workbook (.xlsx), relative to the dataset folder")
    sheet: str = Field(min_length=1)
    header_row: int = Field(default=1, ge=1, description="the row that holds the column names")
    footer_rows: int = Field(
        default=0, ge=0, description="rows at the end of the sheet that are notes, not data (blank ones included)"
    )
    where: dict[str, list[str]] = Field(
        default_factory=dict,
        description="keep only the rows whose column holds one of the values, e.g. {Kommunnamn: Örnsköldsvik} "
        "or {Kommunkod: '2284'} (case and spacing ignored; codes compared as numbers)",
    )
    ignore_columns: list[str] = Field(default_factory=list, description="columns of the sheet not published")
    fractions: list[str] = Field(
        default_factory=list, description="columns holding shares as decimals 0 to 1 (PTS), published as percent"
    )

    @field_validator("where", mode="before")
    @classmethod
    def _values_as_lists(cls, value: Any) -> Any:
        """``Kommunkod: 2284`` (a YAML number) and single values are lists of text."""
        if isinstance(value, dict):
            return {k: [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in value.items()}
        return value


class NetworkSettings(SourceSettingsBase):
    """Manifest keys every network source shares (all optional)."""

    timeout: float = Field(default=30, gt=0, le=600, description="seconds to wait for an answer")
    retries: int = Field(default=3, ge=0, le=10, description="retries on timeouts, 408, 429, 5xx")
    backoff: float = Field(default=2, ge=0, le=60, description="backoff factor between retries, s")
    retry_after_max: float = Field(default=120, ge=0, le=3600, description="longest Retry-After honoured, s")
    max_bytes: int = Field(default=100_000_000, gt=0, description="refuse larger responses")
    headers_from_env: dict[str, str] = Field(
        default_factory=dict,
        description="request headers whose values are read from environment variables "
        "(header: VARIABLE_NAME), e.g. an API key; the values are never logged",
    )


class HttpSettings(NetworkSettings, CsvDialect):
    type: Literal["http"]
    url: str = Field(pattern=r"^https?://", description="the file or API address")
    format: Literal["csv", "excel", "json"]
    # CSV: the keys of CsvDialect (delimiter, encoding, decimal, ...), as for type: csv
    # Excel (as for type: excel)
    sheet: str | None = None
    # JSON
    records: str | None = Field(default=None, description="dotted path to the list of records, e.g. data.items")
    max_pages: int = Field(default=100, ge=1, le=10_000, description="pages followed through Link: rel=next")

    @model_validator(mode="after")
    def _sheet_for_excel(self) -> HttpSettings:
        if self.format == "excel" and not self.sheet:
            raise ValueError("format: excel needs 'sheet' (the name of the sheet to read)")
        return self


KOLADA_V3 = "https://api.kolada.se/v3"
Gender = Literal["T", "K", "M"]
GENDERS: tuple[Gender, ...] = ("T", "K", "M")

MAX_BATCH = 25


class KoladaSettings(NetworkSettings):
    type: Literal["kolada"]
    base_url: str = Field(default=KOLADA_V3, pattern=r"^https?://", description="the API root (v3)")
    kpis: list[str] = Field(min_length=1, description="KPI ids, e.g. N07900")
    municipality: str = Field(pattern=r"^\d{4}$", description="Kolada's municipality id, e.g. 2284")
    years: list[int] = Field(min_length=1, description="the years, e.g. [2019, 2020] (see first_year/last_year)")
    genders: list[Gender] = Field(default_factory=lambda: list(GENDERS))
    batch_size: int = Field(default=MAX_BATCH, ge=1, le=MAX_BATCH, description="ids (and years) per request")
    per_page: int = Field(default=5000, ge=1, le=5000)
    max_pages: int = Field(default=1000, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _year_range(cls, data: Any) -> Any:
        """``first_year``/``last_year`` is easier to keep up to date than a list of years."""
        if isinstance(data, dict) and ("first_year" in data or "last_year" in data) and "years" not in data:
            data = dict(data)
            first, last = data.pop("first_year", None), data.pop("last_year", None)
            if not isinstance(first, int) or not isinstance(last, int) or last < first:
                raise ValueError("give both first_year and last_year (whole years, first ≤ last)")
            data["years"] = list(range(first, last + 1))
        return data

    @field_validator("kpis")
    @classmethod
    def _kpi_ids(cls, value: list[str]) -> list[str]:
        bad = [k for k in value if not re.fullmatch(r"[A-Z]\d{5}", k)]
        if bad:
            raise ValueError(f"not Kolada KPI ids: {', '.join(bad)} (expected e.g. N07900)")
        if len(set(value)) != len(value):
            raise ValueError("a KPI id is listed twice")
        return value


SKOLVERKET = "https://api.skolverket.se/skolenhetsregistret"
Status = Literal["AKTIV", "UPPHORT", "VILANDE", "PLANERAD"]


class SkolverketSettings(NetworkSettings):
    type: Literal["skolverket"]
    base_url: str = Field(default=SKOLVERKET, pattern=r"^https?://", description="the register API root")
    municipality_code: str = Field(pattern=r"^\d{4}$", description="e.g. 2284 (Örnsköldsvik)")
    details_for: list[Status] = Field(
        default_factory=lambda: list[Status](["AKTIV"]),
        description="statuses whose details (address, coordinates) are fetched",
    )


PXWEB_V2 = "https://data.ssb.no/api/pxwebapi/v2"
# SSB's user guide for the statistics bank API: at most 800,000 cells per query and 30 queries
# a minute per client (v2 states its own in GET /config: maxDataCells, maxCalls, timeWindow).
MAX_CELLS = 800_000


class CodeYears(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    code: str = Field(pattern=r"^\d{4}$")
    first_year: int | None = Field(default=None, alias="from")
    last_year: int | None = Field(default=None, alias="to")

    def covers(self, year: int) -> bool:
        after_first = self.first_year is None or year >= self.first_year
        return after_first and (self.last_year is None or year <= self.last_year)


class Municipality(BaseModel):
    """The region variable, and which of its codes stands for the municipality in which years."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    variable: str = Field(min_length=1, description="the region variable, e.g. KOKkommuneregion0000")
    time: str = Field(default="Tid", description="the time variable (its codes start with the year)")
    codes: list[CodeYears] = Field(min_length=1, description="today's code first, then the older ones")


class SsbSettings(NetworkSettings):
    type: Literal["ssb"]
    base_url: str = Field(default=PXWEB_V2, pattern=r"^https?://", description="PxWebApi v2's root")
    table: str = Field(pattern=r"^\d{5}$", description="the table id, e.g. 12137")
    lang: Literal["no", "en"] = "no"
    selection: dict[str, list[str]] = Field(min_length=1, description="value codes per variable (valueCodes)")
    municipality: Municipality | None = None
    labels: list[str] | None = Field(
        default=None, description="the variables that get a <variable>_label column (default: all)"
    )
    max_cells: int = Field(default=MAX_CELLS, ge=1, le=MAX_CELLS, description="cells per query, at most")
    min_interval: float = Field(default=2.0, ge=0, le=60, description="seconds between queries (30 a minute)")
    max_queries: int = Field(default=50, ge=1, description="refuse a selection that needs more queries")

    @model_validator(mode="after")
    def _consistent(self) -> SsbSettings:
        empty = [var for var, codes in self.selection.items() if not codes]
        if empty:
            raise ValueError(f"selection.{empty[0]} lists no value codes")
        if self.municipality:
            for var in (self.municipality.variable, self.municipality.time):
                if var not in self.selection:
                    raise ValueError(f"municipality names '{var}', which the selection does not select")
            missing = {c.code for c in self.municipality.codes} - set(self.selection[self.municipality.variable])
            if missing:
                codes = ", ".join(sorted(missing))
                raise ValueError(f"selection.{self.municipality.variable} lacks the municipality code(s) {codes}")
        return self


SourceSettings = Annotated[
    CsvSettings | ExcelSettings | HttpSettings | KoladaSettings | SkolverketSettings | SsbSettings,
    Field(discriminator="type"),
]
