"""The pipeline's own DCAT catalog on a CKAN portal, harvestable without any CKAN extension.

One dataset per organisation, ``<prefix><organization>-dcat``, holds ``catalog.rdf`` (RDF/XML,
the URL to register with dataportal.se) and ``catalog.ttl``. Their resource ids never change,
so neither do their download URLs. The catalog's distributions point at the portal's own
download URLs of the data files. Each published dataset's DCAT record is kept as an extra of
the catalog dataset (``dcat_record_<slug>``), so every run rebuilds the whole catalog from them.

Two runs publishing different datasets at the very same moment can lose one record: the next
run of that dataset writes it again (docs/dcat.md).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opendata.build import Build
from opendata.dcat import CatalogInfo, DatasetRecord, catalog_graph, record_from_build, serialize
from opendata.dcat.records import manifest_file
from publish.ckan_client import CkanClient
from publish.ckan_metadata import SHA256_ALGORITHM

RECORD_PREFIX = "dcat_record_"
FILES = {  # opendata_key: (file name, format, media type)
    "dcat-rdf": ("catalog.rdf", "RDF", "application/rdf+xml"),
    "dcat-ttl": ("catalog.ttl", "Turtle", "text/turtle"),
}
TITLE = "DCAT-katalog / DCAT catalog"
NOTES = (
    "Maskinläsbar katalog (DCAT-AP) över organisationens öppna data, för skördning av "
    "dataportal.se / data.norge.no. Skrivs av publiceringspipelinen. / Machine-readable DCAT-AP "
    "catalog of the organisation's open data, for harvesting. Written by the publishing pipeline."
)


def catalog_name(prefix: str, build: Build) -> str:
    return f"{prefix}{build.manifest.publisher.organization}-dcat"


def publish_catalog(client: CkanClient, build: Build, package: dict[str, Any], *, prefix: str) -> list[str]:
    """Put ``build``'s record into the organisation's catalog and upload the catalog if it changed."""
    name = catalog_name(prefix, build)
    holder = client.show("package_show", id=name)
    if holder is None:
        holder = client.call(
            "package_create", name=name, title=TITLE, notes=NOTES, owner_org=package["owner_org"], private=False
        )
    extras = {e["key"]: e["value"] for e in holder.get("extras") or []}
    key = RECORD_PREFIX + build.manifest.slug
    previous = json.loads(extras[key]) if key in extras else None
    entry = {"content_hash": build.content_hash, "record": _record(client, build, package, previous)}
    notes = []
    if previous != entry:
        extras[key] = json.dumps(entry, ensure_ascii=False, sort_keys=True)
        holder = client.call(
            "package_patch", id=holder["id"], extras=[{"key": k, "value": v} for k, v in sorted(extras.items())]
        )
    records = [
        DatasetRecord.model_validate(json.loads(v)["record"])
        for k, v in sorted(extras.items())
        if k.startswith(RECORD_PREFIX)
    ]
    site = client.url.rstrip("/")
    info = CatalogInfo(
        uri=f"{site}/dataset/{name}#catalog",
        base_url=f"{site}/",
        homepage=f"{site}/",
        publisher=build.manifest.publisher,
        where=manifest_file(build.manifest),
    )
    rdf, ttl = serialize(catalog_graph(info, records))
    for file_key, content in (("dcat-rdf", rdf), ("dcat-ttl", ttl)):
        url, changed = _put(client, holder, file_key, content)
        if changed:
            notes.append(f"DCAT catalog {FILES[file_key][0]} updated: {url}")
    return notes


def _record(client: CkanClient, build: Build, package: dict[str, Any], previous: dict[str, Any] | None) -> Any:
    now = datetime.now(UTC).replace(microsecond=0)
    old = (previous or {}).get("record", {})
    issued = datetime.fromisoformat(old["issued"]) if "issued" in old else now
    same = previous is not None and previous.get("content_hash") == build.content_hash and "modified" in old
    modified = datetime.fromisoformat(old["modified"]) if same else now
    site = client.url.rstrip("/")
    page = f"{site}/dataset/{package['name']}"
    resources = {r["opendata_key"]: r for r in package.get("resources") or [] if r.get("opendata_key")}
    record = record_from_build(
        build,
        issued=issued,
        modified=modified,
        urls={k: r["url"] for k, r in resources.items()},
        uri=page,
        landing_page=page,
        distribution_uris={k: f"{page}/resource/{r['id']}" for k, r in resources.items()},
    )
    return record.model_dump(mode="json", exclude_none=True)


def _put(client: CkanClient, holder: dict[str, Any], key: str, content: bytes) -> tuple[str, bool]:
    """Upload one catalog file into its resource (same id, same URL) unless it is unchanged."""
    file_name, fmt, media_type = FILES[key]
    digest = hashlib.sha256(content).hexdigest()
    current = next((r for r in holder.get("resources") or [] if r.get("opendata_key") == key), None)
    if current and current.get("hash") == digest:
        return str(current["url"]), False
    fields = {
        "name": file_name,
        "format": fmt,
        "mimetype": media_type,
        "hash": digest,
        "hash_algorithm": SHA256_ALGORITHM,
        "opendata_key": key,
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / file_name
        path.write_bytes(content)
        if current:
            resource = client.upload("resource_patch", path, id=current["id"], **fields)
        else:
            resource = client.upload("resource_create", path, package_id=holder["id"], **fields)
    return str(resource["url"]), True
