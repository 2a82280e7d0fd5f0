"""The dataset manifest (``datasets/<slug>/dataset.yaml``): one pydantic model for all of it.

A steward edits these files by hand, so every rule fails with a message naming the file,
the key and what is allowed. Each manifest names its publisher (``publisher: moss``); the
layers under it are the publisher's file (``publishers/<id>.yaml``: licence, language,
contact, place) and then ``datasets/_defaults.yaml`` (what every publisher shares).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    field_validator,
    model_validator,
)

from opendata.charts import ChartSpec
from opendata.citations import Citations
from opendata.errors import ManifestError
from opendata.join import JoinSpec
from opendata.manifest_errors import format_validation_error
from opendata.paths import check_slug, confined_source
from opendata.safe_yaml import read_yaml
from opendata.sources import SourceSettings

DEFAULTS_FILE = "_defaults.yaml"
MANIFEST_FILE = "dataset.yaml"

# Folders of the published catalog (the site's and the per-publisher DCAT files'), never slugs.
RESERVED_SLUGS = frozenset({"assets", "charts", "publishers"})
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,98}[a-z0-9]$"
LANG_PATTERN = re.compile(r"^[a-z]{2}$")
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"

# EU Publications Office vocabularies, as DCAT-AP(-SE/-NO) expects them.
Theme = Literal[
    "AGRI",
    "ECON",
    "EDUC",
    "ENER",
    "ENVI",
    "GOVE",
    "HEAL",
    "INTR",
    "JUST",
    "OP_DATPRO",
    "REGI",
    "SOCI",
    "TECH",
    "TRAN",
]
Frequency = Literal[
    "ANNUAL",
    "ANNUAL_2",
    "ANNUAL_3",
    "BIENNIAL",
    "BIMONTHLY",
    "BIWEEKLY",
    "CONT",
    "DAILY",
    "IRREG",
    "MONTHLY",
    "QUARTERLY",
    "SEMIANNUAL",
    "WEEKLY",
    "UNKNOWN",
]


@dataclass(frozen=True)
class Licence:
    title: str
    uri: str
    portal_id: str  # the id in CKAN's default licence list (`license_list`), for the CKAN target


# The licences a manifest may name: each id written here only. NLOD requires attribution, so
# "other-at" (Other (Attribution)) rather than "other-open"; the exact URI goes on every resource.
LICENSES: dict[str, Licence] = {
    "CC0-1.0": Licence("Creative Commons CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/", "cc-zero"),
    "CC-BY-4.0": Licence("Creative Commons Erkännande 4.0", "https://creativecommons.org/licenses/by/4.0/", "cc-by"),
    "NLOD-2.0": Licence("Norsk lisens for offentlige data 2.0", "https://data.norge.no/nlod/no/2.0", "other-at"),
}
if TYPE_CHECKING:
    License = str
else:
    License = Literal[tuple(LICENSES)]  # the manifest accepts exactly the ids above


class Strict(BaseModel):
    """Rejects keys it does not know: a typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class LocalizedText(RootModel[dict[str, str]]):
    """Text per language (ISO 639-1 code -> text), e.g. ``{sv: ..., en: ...}``."""

    @field_validator("root")
    @classmethod
    def _codes_and_text(cls, value: dict[str, str]) -> dict[str, str]:
        for lang, text in value.items():
            if not LANG_PATTERN.match(lang):
                raise ValueError(f"'{lang}' is not a two-letter language code (sv, en, nb, ...)")
            if not text.strip():
                raise ValueError(f"the '{lang}' text is empty")
        return {lang: text.strip() for lang, text in value.items()}

    def get(self, lang: str, fallback: str = "en") -> str:
        return self.root.get(lang) or self.root.get(fallback) or next(iter(self.root.values()))


class Publisher(Strict):
    """Who publishes. The DCAT fields (country, organisation number) are optional here and
    required by ``opendata.dcat``, which names the file and key when one is missing."""

    id: str | None = Field(default=None, description="the publisher's file, publishers/<id>.yaml")
    name: str = Field(min_length=2)
    uri: str = Field(pattern=r"^https?://", description="the publisher's website")
    organization: str = Field(pattern=SLUG_PATTERN, description="the organisation's short name on the portal")
    email: str | None = Field(default=None, pattern=EMAIL_PATTERN)
    country: Literal["SE", "NO"] | None = Field(
        default=None, description="ISO 3166 code; picks the DCAT profile (SE: DCAT-AP-SE, NO: DCAT-AP-NO)"
    )
    organization_number: str | None = Field(
        default=None,
        pattern=r"^\d{6}-?\d{4}$|^\d{9}$",
        description="organisationsnummer (SE, 212000-2445) or organisasjonsnummer (NO, nine digits)",
    )
    type: Literal["LocalAuthority", "RegionalAuthority", "NationalAuthority"] = Field(
        default="LocalAuthority", description="ADMS publisher type (dct:type in DCAT)"
    )


class Contact(Strict):
    name: str = Field(min_length=2)
    email: str = Field(pattern=EMAIL_PATTERN)


class Spatial(Strict):
    name: str
    municipality_code: str = Field(pattern=r"^\d{4}$")
    uri: str | None = Field(default=None, pattern=r"^https?://")
    geonames: str | None = Field(default=None, pattern=r"^\d+$", description="GeoNames id; dct:spatial in DCAT")

    @property
    def location_uri(self) -> str | None:
        """The place as a URI: ``uri`` if given, else the GeoNames URI DCAT-AP-SE recommends."""
        if self.uri:
            return self.uri
        return f"http://sws.geonames.org/{self.geonames}/" if self.geonames else None


class Temporal(Strict):
    start: date
    end: date | None = None


class Schedule(Strict):
    cron: str
    timezone: str = "Europe/Stockholm"

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError(
                "cron needs five fields: minute hour day-of-month month day-of-week, "
                "e.g. '0 6 1 * *' (06:00 on the 1st of every month)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}', e.g. Europe/Stockholm") from None
        return value


class Expect(Strict):
    """What a new version must look like before it replaces the published one (the shrink guard).

    An export that comes out empty or cut short is valid against the schema, yet publishing it
    would wipe the public rows; these bounds catch it. ``opendata publish --allow-shrink``
    lets one run through on purpose.
    """

    min_rows: int = Field(default=1, ge=0, description="fewest rows a version may have (0 allows an empty one)")
    max_drop: float = Field(
        default=0.2, ge=0, le=1, description="largest share of the published rows a new version may lose (0.2 = 20 %)"
    )


class Manifest(Strict):
    """Everything the pipeline and the portal need to know about one dataset."""

    slug: str = Field(pattern=SLUG_PATTERN)
    language: str = Field(default="sv", pattern=r"^[a-z]{2}$")
    title: LocalizedText
    description: LocalizedText
    license: License
    publisher: Publisher
    contact: Contact
    themes: list[Theme] = Field(min_length=1)
    keywords: dict[str, list[str]] = Field(default_factory=dict)
    spatial: Spatial
    temporal: Temporal | None = None
    frequency: Frequency
    schedule: Schedule
    sample_data: bool = False
    attribution: str | None = None
    source: SourceSettings
    join: list[JoinSpec] = Field(default_factory=list, description="lookups joined to the rows (opendata.join)")
    replay: Literal["never", "fallback", "always"] = Field(
        default="never",
        description="for network sources: never replay the archive, replay it when the source is "
        "unreachable (fallback), or always (see docs/sources.md)",
    )
    table_schema: str | None = Field(default=None, alias="schema")
    columns: dict[str, str] = Field(default_factory=dict)
    expect: Expect = Field(default_factory=Expect)
    formulas: Literal["neutralise", "refuse", "keep"] = Field(
        default="neutralise",
        description="text cells a spreadsheet would run as a formula (=, +, -, @, tab, CR first): "
        "neutralise them with a leading ' (default), refuse the version, or keep them as they are",
    )
    constants: dict[str, str] = Field(
        default_factory=dict, description="fields with the same value on every row (field: value)"
    )
    citations: Citations | None = Field(
        default=None, description="the rows whose figures come from a cited publication (opendata.citations)"
    )
    xlsx: bool = Field(
        default=True,
        description="also publish data.xlsx (turn off for tables of millions of rows: it takes minutes to write)",
    )
    charts: list[ChartSpec] = Field(default_factory=list, description="charts on the dataset's page (opendata.charts)")

    # Set by load_manifest, not by the steward.
    folder: Path = Field(default=Path("."), exclude=True)

    @field_validator("slug")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_SLUGS:
            raise ValueError(f"'{value}' is a folder of the published catalog; name the dataset otherwise")
        return value

    @model_validator(mode="after")
    def _languages_present(self) -> Manifest:
        for key in ("title", "description"):
            text: LocalizedText = getattr(self, key)
            missing = [lang for lang in (self.language, "en") if lang not in text.root]
            if missing:
                raise ValueError(f"'{key}' needs a text in {' and '.join(missing)}")
        targets = list(self.columns.values())
        if len(set(targets)) != len(targets):
            raise ValueError("'columns' maps two source columns to the same field")
        names = [j.name for j in self.join]
        if len(set(names)) != len(names):
            raise ValueError("two entries of 'join' have the same name")
        return self

    @property
    def schema_path(self) -> Path:
        """The Table Schema: as declared (relative to the manifest) or schemas/<slug>.schema.json."""
        if self.table_schema:
            return (self.folder / self.table_schema).resolve()
        return (self.folder.parent.parent / "schemas" / f"{self.slug}.schema.json").resolve()

    @property
    def license_title(self) -> str:
        return LICENSES[self.license].title

    @property
    def license_uri(self) -> str:
        return LICENSES[self.license].uri


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_yaml(path: Path) -> dict[str, Any]:
    data = read_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: expected keys and values at the top level")
    return data


def load_manifest(folder: Path) -> Manifest:
    """Read ``folder/dataset.yaml`` over the shared defaults one level up."""
    path = folder / MANIFEST_FILE
    defaults_path = folder.parent / DEFAULTS_FILE
    defaults = _read_yaml(defaults_path) if defaults_path.exists() else {}
    raw = _deep_merge(defaults, _read_yaml(path))
    if isinstance(raw.get("publisher"), str):  # named: its file is the lowest layer
        raw = _deep_merge(_publisher_defaults(folder, raw.pop("publisher"), defaults, defaults_path), raw)
    raw.setdefault("slug", folder.name)
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as exc:
        raise ManifestError(format_validation_error(path, exc, Manifest)) from None
    if manifest.slug != folder.name:
        raise ManifestError(f"{path}: slug '{manifest.slug}' must equal the folder name '{folder.name}'")
    _confine_paths(path, manifest, folder)
    return manifest.model_copy(update={"folder": folder.resolve()})


def _publisher_defaults(folder: Path, named: str, defaults: dict[str, Any], defaults_path: Path) -> dict[str, Any]:
    """The named publisher's keys (publishers/<id>.yaml), the lowest layer of the manifest."""
    from opendata.publishers import PUBLISHER_KEYS, load_publisher, publishers_dir

    shared = [k for k in PUBLISHER_KEYS if k in defaults]
    if shared:
        raise ManifestError(
            f"{defaults_path}: sets {', '.join(shared)}, which belong to each publisher: move them to "
            f"publishers/<id>.yaml (every publisher shares {DEFAULTS_FILE})"
        )
    publisher = load_publisher(publishers_dir(folder.parent), named, folder / MANIFEST_FILE)
    return publisher.manifest_defaults()


def dataset_folder(datasets_dir: Path, slug: str) -> Path:
    """``datasets/<slug>``, after checking that the slug is a name and not a path."""
    return datasets_dir / check_slug(slug)


def _confine_paths(path: Path, manifest: Manifest, folder: Path) -> None:
    """Every file a manifest reads lies in its folder (or an allowed root): see opendata.paths."""
    declared = [("source.path", manifest.source)]
    declared += [(f"join.{j.name}.source.path", j.source) for j in manifest.join]
    for key, settings in declared:
        value = getattr(settings, "path", None)
        if isinstance(value, str):
            confined_source(path, key, folder, value)


def discover(datasets_dir: Path) -> list[Path]:
    """Dataset folders: every subfolder of ``datasets/`` holding a dataset.yaml, sorted."""
    if not datasets_dir.is_dir():
        raise ManifestError(f"{datasets_dir}: no datasets folder here")
    return sorted(p.parent for p in datasets_dir.glob(f"*/{MANIFEST_FILE}"))
