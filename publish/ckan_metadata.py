"""Manifest + build -> the CKAN dataset and resource fields this pipeline owns.

Plain CKAN core fields where CKAN has one (title, notes, license_id, author, maintainer,
tags), and extras with the names ckanext-dcat's ``euro_dcat_ap`` profiles read, so a portal
that adds ckanext-dcat serves DCAT-AP without a migration. Lists are JSON lists in one
extra (ckanext-dcat's convention); controlled values are EU Publications Office URIs.

Everything here is deterministic: the same manifest and files give the same dict, which is
what lets the target compare and skip. Provenance is the one input that varies between runs;
the target keeps the previous provenance when the content hash is unchanged.
"""

from __future__ import annotations

import json
import re
from typing import Any

from opendata.build import Build, BuiltFile
from opendata.dcat.profiles import PROFILES, licence_uri
from opendata.manifest import Manifest
from opendata.metadata import SAMPLE_NOTICE

EU = "http://publications.europa.eu/resource/authority"
SHA256_ALGORITHM = "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"
PUBLISHER_TYPES = "http://purl.org/adms/publishertype/"

# Manifest licence -> an id of CKAN 2.12's default licence list (`license_list`).
# NLOD requires attribution, so "other-at" (Other (Attribution)) rather than "other-open";
# the exact licence URI goes on every resource (`license`, dct:license in DCAT).
LICENSE_IDS = {"CC0-1.0": "cc-zero", "CC-BY-4.0": "cc-by", "NLOD-2.0": "other-at"}

# ISO 639-1 (manifests) -> EU language authority codes (ISO 639-3 based).
LANGUAGES = {
    "sv": "SWE",
    "en": "ENG",
    "nb": "NOB",
    "nn": "NNO",
    "no": "NOR",
    "fi": "FIN",
    "da": "DAN",
    "de": "DEU",
    "fr": "FRA",
    "se": "SME",
    "es": "SPA",
}

# Keys of the extras this pipeline writes; others (added on the portal by people) are kept.
PROVENANCE_KEYS = (
    "provenance",
    "opendata_source",
    "opendata_source_sha256",
    "opendata_extracted_at",
    "opendata_content_hash",
    "opendata_pipeline_version",
    "opendata_flow_run_id",
)
MANAGED_PREFIXES = ("title_", "notes_")
MANAGED_EXTRAS = {
    "language",
    "theme",
    "frequency",
    "contact_name",
    "contact_email",
    "publisher_name",
    "publisher_uri",
    "publisher_email",
    "publisher_url",
    "publisher_type",
    "publisher_identifier",
    "contact_uri",
    "access_rights",
    "modified",
    "spatial_uri",
    "spatial_text",
    "temporal_start",
    "temporal_end",
    "conforms_to",
    "sample_data",
    "attribution",
    "opendata_slug",
    *PROVENANCE_KEYS,
}
MANAGED_FIELDS = (
    "title",
    "notes",
    "license_id",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
    "owner_org",
    "private",
)

# Per file key: resource name and description (Swedish / English), in portal order.
RESOURCES: dict[str, tuple[str, str]] = {
    "data-csv": (
        "Data (CSV)",
        "Tabellen som CSV (UTF-8, komma, ISO-datum). Finns också i DataStore-API:t. / "
        "The table as CSV (UTF-8, comma, ISO dates). Also in the DataStore API.",
    ),
    "data-parquet": (
        "Data (Parquet)",
        "Tabellen som Parquet med kolumntyper från Table Schema. / "
        "The table as Parquet, column types from the Table Schema.",
    ),
    "data-xlsx": (
        "Data (Excel)",
        "Tabellen som Excel-arbetsbok: svenska rubriker, datadefinitioner och licens på ett eget blad. / "
        "The table as an Excel workbook: Swedish headers, data dictionary and licence on a sheet of their own.",
    ),
    "table-schema": (
        "Table Schema (JSON)",
        "Kolumner, typer, regler och beskrivningar (Frictionless Table Schema). / "
        "Columns, types, rules and descriptions (Frictionless Table Schema).",
    ),
    "datapackage": (
        "Data Package (datapackage.json)",
        "Frictionless Data Package: filerna, schemat och licensen. / "
        "Frictionless Data Package: the files, the schema and the licence.",
    ),
    "validation-report": (
        "Valideringsrapport / Validation report (JSON)",
        "Resultatet av valideringen mot schemat. / The result of validating the data against the schema.",
    ),
}
KEY_ORDER = list(RESOURCES)


def dataset_name(prefix: str, slug: str) -> str:
    return f"{prefix}{slug}"


def license_id(manifest: Manifest) -> str:
    return LICENSE_IDS[manifest.license]


def tag(word: str) -> str | None:
    """A keyword as a valid CKAN tag (letters, digits, space, - _ .; 2-100 chars), else None."""
    cleaned = re.sub(r"[^\w \-.]+", "-", word.strip(), flags=re.UNICODE)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" -")
    return cleaned[:100] if len(cleaned) >= 2 else None


def tags(manifest: Manifest) -> list[str]:
    """Keywords of every language, as CKAN tags (CKAN tags carry no language)."""
    words = {t for ws in manifest.keywords.values() for w in ws if (t := tag(w))}
    return sorted(words, key=str.casefold)


def described(manifest: Manifest, lang: str) -> str:
    """The description in ``lang``, opening with the sample-data notice when it applies."""
    text = manifest.description.get(lang)
    if manifest.sample_data:
        text = f"{SAMPLE_NOTICE.get(lang, SAMPLE_NOTICE['en'])}\n\n{text}"
    return text


def provenance_extras(build: Build, run_id: str | None) -> dict[str, str]:
    p = build.provenance
    text = (
        f"Extracted {p.get('extracted_at', '?')} from {p.get('source', '?')} "
        f"(sha256 {p.get('source_sha256', '?')}), validated against the Table Schema and converted "
        f"by the opendata pipeline {p.get('pipeline_version', '?')}"
        + (f" in Prefect flow run {run_id}" if run_id else "")
        + "."
    )
    return {
        "provenance": text,
        "opendata_source": str(p.get("source", "")),
        "opendata_source_sha256": str(p.get("source_sha256", "")),
        "opendata_extracted_at": str(p.get("extracted_at", "")),
        "opendata_content_hash": build.content_hash,
        "opendata_pipeline_version": str(p.get("pipeline_version", "")),
        "opendata_flow_run_id": run_id or "",
    }


def package_extras(build: Build, provenance: dict[str, str], schema_url: str | None) -> dict[str, str]:
    m = build.manifest
    langs = [m.language, *sorted(k for k in m.title.root if k != m.language)]
    extras: dict[str, str] = {
        "opendata_slug": m.slug,
        "language": json.dumps([f"{EU}/language/{LANGUAGES.get(lang, lang.upper())}" for lang in langs]),
        "theme": json.dumps([f"{EU}/data-theme/{t}" for t in m.themes]),
        "frequency": f"{EU}/frequency/{m.frequency}",
        "contact_name": m.contact.name,
        "contact_email": m.contact.email,
        "publisher_name": m.publisher.name,
        **publisher_extras(m),
        "contact_uri": f"mailto:{m.contact.email}",  # a URI, never a blank node (DCAT-AP-SE)
        "access_rights": f"{EU}/access-right/PUBLIC",
        "spatial_text": m.spatial.name,
        "sample_data": "true" if m.sample_data else "false",
        **provenance,
    }
    for lang in langs[1:]:
        extras[f"title_{lang}"] = m.title.get(lang)
        extras[f"notes_{lang}"] = described(m, lang)
    optional = {
        "publisher_email": m.publisher.email,
        "spatial_uri": m.spatial.location_uri,
        "temporal_start": m.temporal.start.isoformat() if m.temporal else None,
        "temporal_end": m.temporal.end.isoformat() if m.temporal and m.temporal.end else None,
        "attribution": m.attribution,
        "conforms_to": json.dumps([schema_url]) if schema_url else None,
        # dct:modified = when this content was extracted (kept while the content is unchanged);
        # dct:issued stays CKAN's metadata_created: the first publication on this portal.
        "modified": provenance.get("opendata_extracted_at"),
    }
    extras.update({k: v for k, v in optional.items() if v})
    return extras


def publisher_extras(m: Manifest) -> dict[str, str]:
    """The publisher as ckanext-dcat reads it: the national profile's URI (dataportal.se's
    ``SE<orgnr>``, Brønnøysund for NO) when country and number are set, else the website."""
    p = m.publisher
    profile = PROFILES.get(p.country or "")
    extras = {"publisher_uri": p.uri, "publisher_url": p.uri, "publisher_type": PUBLISHER_TYPES + p.type}
    if profile and p.organization_number:
        extras["publisher_uri"] = profile.publisher_uri(p.organization_number)
        extras["publisher_identifier"] = p.organization_number
    return extras


def package_fields(build: Build, *, org_id: str, provenance: dict[str, str], schema_url: str | None) -> dict[str, Any]:
    """The dataset's fields this pipeline owns; ``extras`` as a dict, ``tags`` as names."""
    m = build.manifest
    return {
        "title": m.title.get(m.language),
        "notes": described(m, m.language),
        "license_id": license_id(m),
        "author": m.publisher.name,
        "author_email": m.publisher.email or "",
        "maintainer": m.contact.name,
        "maintainer_email": m.contact.email,
        "owner_org": org_id,
        "private": False,
        "tags": tags(m),
        "extras": package_extras(build, provenance, schema_url),
    }


def resource_fields(f: BuiltFile, manifest: Manifest) -> dict[str, str]:
    """A resource's fields this pipeline owns (all strings: they also travel as multipart)."""
    name, description = RESOURCES[f.key]
    return {
        "name": name,
        "description": description,
        "format": f.format,
        "mimetype": f.media_type,
        "hash": f.sha256,  # plain hex, as spdx:checksumValue (xsd:hexBinary) wants it
        "hash_algorithm": SHA256_ALGORITHM,
        "license": licence_uri(manifest.license_uri),
        "availability": f"{EU}/planned-availability/STABLE",
        "opendata_key": f.key,
    }


def is_managed_extra(key: str) -> bool:
    return key in MANAGED_EXTRAS or key.startswith(MANAGED_PREFIXES)


def extras_dict(package: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["value"] for e in package.get("extras") or []}


def merge_extras(existing: dict[str, Any] | None, ours: dict[str, str]) -> list[dict[str, str]]:
    """Our extras, plus the portal's own extras we do not manage (kept as they are)."""
    kept = {k: v for k, v in extras_dict(existing or {}).items() if not is_managed_extra(k)}
    merged = {**kept, **ours}
    return [{"key": k, "value": merged[k]} for k in sorted(merged)]
