"""What the catalog says about one published dataset: manifest metadata + what a target published.

A ``DatasetRecord`` is plain JSON (``model_dump(mode="json")``), so a target can keep the
records of every dataset it published and rebuild the whole catalog from them on each run.
File URLs may be relative: the graph builder resolves them against the catalog's base URL.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from opendata.build import Build
from opendata.dcat.profiles import PROFILES, Profile
from opendata.errors import ManifestError
from opendata.manifest import Contact, LocalizedText, Manifest, Publisher, Spatial, Temporal
from opendata.metadata import SAMPLE_NOTICE

# The files that are distributions (data), with title and description per language; the
# Table Schema is their dct:conformsTo.
DISTRIBUTIONS: dict[str, dict[str, tuple[str, str]]] = {
    "data-csv": {
        "sv": ("Data (CSV)", "Tabellen som CSV: UTF-8, komma som avgränsare, ISO-datum."),
        "nb": ("Data (CSV)", "Tabellen som CSV: UTF-8, komma som skilletegn, ISO-datoer."),
        "en": ("Data (CSV)", "The table as CSV: UTF-8, comma-separated, ISO dates."),
    },
    "data-parquet": {
        "sv": ("Data (Parquet)", "Tabellen som Parquet, med kolumntyper från Table Schema."),
        "nb": ("Data (Parquet)", "Tabellen som Parquet, med kolonnetyper fra Table Schema."),
        "en": ("Data (Parquet)", "The table as Parquet, with column types from the Table Schema."),
    },
    "data-excel": {
        "sv": ("Data (Excel)", "Tabellen som Excel-arbetsbok."),
        "nb": ("Data (Excel)", "Tabellen som Excel-arbeidsbok."),
        "en": ("Data (Excel)", "The table as an Excel workbook."),
    },
}
SCHEMA_KEY = "table-schema"


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FileRecord(Record):
    key: str
    url: str  # download URL, absolute or relative to the catalog's base URL
    media_type: str
    bytes: int
    sha256: str
    uri: str | None = None  # the distribution's URI; default: a fragment of the catalog's


class DatasetRecord(Record):
    slug: str
    language: str
    title: LocalizedText
    description: LocalizedText  # the sample-data notice already in front when it applies
    keywords: dict[str, list[str]]
    themes: list[str]
    license_uri: str
    publisher: Publisher
    contact: Contact
    spatial: Spatial
    temporal: Temporal | None = None
    frequency: str
    issued: datetime  # first publication of the data
    modified: datetime  # last change of the content
    files: list[FileRecord]
    schema_url: str | None = None
    uri: str | None = None  # the dataset's URI; default: a fragment of the catalog's
    landing_page: str | None = None


def profile_for(publisher: Publisher, where: str) -> Profile:
    """The publisher's profile, or a ManifestError naming ``where`` and the key to set."""
    if publisher.country is None:
        raise ManifestError(
            f"{where}: publisher.country is not set; the DCAT catalog needs it to choose the profile: "
            f"set publisher.country to {' or '.join(f'{c} ({p.name})' for c, p in PROFILES.items())}"
        )
    profile = PROFILES[publisher.country]
    number = publisher.organization_number
    if not number:
        raise ManifestError(
            f"{where}: publisher.organization_number is not set; {profile.name} identifies the publisher "
            f'by it: set it, e.g. organization_number: "{profile.orgnr_example}"'
        )
    if not profile.orgnr.match(number):
        raise ManifestError(
            f"{where}: publisher.organization_number '{number}' is not a {publisher.country} organisation "
            f"number; expected the form {profile.orgnr_example}"
        )
    return profile


def manifest_file(manifest: Manifest) -> str:
    """The files a steward edits for the publisher: its publishers/<id>.yaml, or the manifest."""
    folder = Path(manifest.folder)
    if manifest.publisher.id:
        return f"publishers/{manifest.publisher.id}.yaml (or {folder.parent.name}/{folder.name}/dataset.yaml)"
    return f"{folder.parent.name}/{folder.name}/dataset.yaml (or {folder.parent.name}/_defaults.yaml)"


def require_dcat_fields(m: Manifest) -> Profile:
    """The manifest's profile; a ManifestError when a field the catalog needs is missing.

    Targets call it before they publish anything, so a run never stops half-way for this.
    """
    where = manifest_file(m)
    profile = profile_for(m.publisher, where)
    if m.spatial.location_uri is None:
        raise ManifestError(
            f"{where}: spatial has no URI; DCAT needs the place as a URI: set spatial.geonames "
            '(the GeoNames id, e.g. "2686466") or spatial.uri'
        )
    return profile


def record_from_build(
    build: Build,
    *,
    issued: datetime,
    modified: datetime,
    urls: dict[str, str],
    uri: str | None = None,
    landing_page: str | None = None,
    distribution_uris: dict[str, str] | None = None,
) -> DatasetRecord:
    """``urls``: file key -> where the target serves it (relative or absolute)."""
    m = build.manifest
    where = manifest_file(m)
    profile_for(m.publisher, where)
    if m.spatial.location_uri is None:
        raise ManifestError(
            f"{where}: spatial has no URI; DCAT needs the place as a URI: set spatial.geonames "
            '(the GeoNames id, e.g. "2686466") or spatial.uri'
        )
    uris = distribution_uris or {}
    files = [
        FileRecord(
            key=f.key, url=urls[f.key], media_type=f.media_type, bytes=f.bytes, sha256=f.sha256, uri=uris.get(f.key)
        )
        for f in build.files
        if f.key in DISTRIBUTIONS and f.key in urls
    ]
    return DatasetRecord(
        slug=m.slug,
        language=m.language,
        title=m.title,
        description=LocalizedText({lang: _described(m, lang, text) for lang, text in m.description.root.items()}),
        keywords=m.keywords,
        themes=list(m.themes),
        license_uri=m.license_uri,
        publisher=m.publisher,
        contact=m.contact,
        spatial=m.spatial,
        temporal=m.temporal,
        frequency=m.frequency,
        issued=issued,
        modified=modified,
        files=files,
        schema_url=urls.get(SCHEMA_KEY),
        uri=uri,
        landing_page=landing_page,
    )


def _described(m: Manifest, lang: str, text: str) -> str:
    if not m.sample_data:
        return text
    return f"{SAMPLE_NOTICE.get(lang, SAMPLE_NOTICE['en'])}\n\n{text}"
