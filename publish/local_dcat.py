"""The local catalog's DCAT files: ``catalog.rdf`` (RDF/XML, what dataportal.se harvests) and
``catalog.ttl``, rebuilt from the DCAT record every dataset entry of ``catalog.json`` keeps.

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
    info = CatalogInfo(
        uri=url + RDF_FILE,
        base_url=url,
        homepage=url + "index.html",
        publisher=records[0].publisher,
        where=f"the publisher of '{records[0].slug}'",
    )
    rdf, ttl = serialize(catalog_graph(info, records))
    write(root / RDF_FILE, rdf.decode("utf-8"))
    write(root / TTL_FILE, ttl.decode("utf-8"))
