"""The local catalog's DCAT files: ``catalog.rdf`` (RDF/XML, what dataportal.se harvests) and
``catalog.ttl``, rebuilt from the DCAT record every dataset entry of ``catalog.json`` keeps.

National portals harvest one catalog per organisation, and a DCAT catalog has one publisher:
when one publisher has all the datasets, its catalog is ``catalog.rdf`` at the top (as it
always was); with several, each gets its own, ``publishers/<id>/catalog.rdf`` (and ``.ttl``),
with its own profile (DCAT-AP-SE or -NO), and there is no catalog-wide one.

File URLs are relative in the records and resolved against OPENDATA_CATALOG_BASE_URL, the
address where the folder will be served (default: the folder itself as a file: URI), so a
municipality can host ``build/catalog/`` as it is.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from opendata.build import Build
from opendata.dcat import CatalogInfo, DatasetRecord, catalog_graph, record_from_build, serialize
from opendata.settings import settings

BASE_URL_ENV = "OPENDATA_CATALOG_BASE_URL"
RDF_FILE, TTL_FILE = "catalog.rdf", "catalog.ttl"
PUBLISHERS_FOLDER = "publishers"  # build/catalog/publishers/<id>/catalog.rdf


def base_url(root: Path) -> str:
    # abspath, not resolve(): build/catalog is a link to a version folder, and the URLs must
    # name the link readers use, never the version behind it.
    url = (settings().catalog_base_url or "").strip() or Path(os.path.abspath(root)).as_uri()
    return url if url.endswith("/") else url + "/"


def dcat_record(build: Build, issued: datetime, modified: datetime) -> dict[str, Any]:
    """The dataset's record for catalog.json (raises ManifestError when DCAT fields are missing)."""
    slug = build.manifest.slug
    urls = {f.key: f"{slug}/{f.path.name}" for f in build.files}
    record = record_from_build(build, issued=issued, modified=modified, urls=urls)
    return record.model_dump(mode="json", exclude_none=True)


def write_dcat(root: Path, catalog: dict[str, Any], write: Any, url_root: Path | None = None) -> None:
    """Write catalog.rdf and catalog.ttl into ``root`` with ``write(path, text)``.

    ``url_root``: the folder readers use when no base URL is set (default ``root``)."""
    records = [DatasetRecord.model_validate(e["dcat"]) for e in catalog["datasets"].values() if "dcat" in e]
    if not records:
        return
    url = base_url(url_root or root)
    groups: dict[str, list[DatasetRecord]] = {}
    for r in records:
        groups.setdefault(publisher_key(r), []).append(r)
    if len(groups) == 1:
        _write_catalog(root, url, url, records, write)
        return
    for key, group in sorted(groups.items()):
        folder = f"{PUBLISHERS_FOLDER}/{key}/"
        (root / folder).mkdir(parents=True, exist_ok=True)
        _write_catalog(root / folder, url + folder, url, group, write)


def publisher_key(record: DatasetRecord) -> str:
    """The publisher's id (publishers/<id>.yaml), or its portal organization for older manifests."""
    return record.publisher.id or record.publisher.organization


def publisher_catalogs(root: Path) -> list[str]:
    """The per-publisher catalog files under ``root``, relative to it (for the site's links)."""
    return sorted(str(p.relative_to(root)) for p in root.glob(f"{PUBLISHERS_FOLDER}/*/catalog.*"))


def _write_catalog(folder: Path, here: str, url: str, records: list[DatasetRecord], write: Any) -> None:
    info = CatalogInfo(
        uri=here + RDF_FILE,
        base_url=url,
        homepage=url + "index.html",
        publisher=records[0].publisher,
        where=f"the publisher of '{records[0].slug}'",
    )
    rdf, ttl = serialize(catalog_graph(info, records))
    write(folder / RDF_FILE, rdf.decode("utf-8"))
    write(folder / TTL_FILE, ttl.decode("utf-8"))
