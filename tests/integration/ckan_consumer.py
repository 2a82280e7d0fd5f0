"""What a consumer of the portal sees, for tests of the CKAN target: reads only, anonymous.

``view`` captures a dataset the way a visitor would find it (package_show, every download,
the DataStore rows), so a test can say "the portal is exactly as it was" with one ``==``.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import ckanapi
import pyarrow.parquet as pq
import requests

from opendata import build
from opendata.build import Build
from opendata.manifest import load_manifest

SLUGS = ("bredband", "skolor-wifi", "strategi-uppfoljning")


def built(project: Path, slug: str, out: Path) -> Build:
    m = load_manifest(project / "datasets" / slug)
    raw = build.extract(m)
    prepared, report = build.validate(m, build.parse(m, raw))
    return build.convert(m, prepared, report, raw, out)


def download(url: str) -> bytes:
    response = requests.get(url, timeout=30)  # no token: anonymous
    assert response.status_code == 200, (url, response.status_code)
    return response.content


def by_key(package: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["opendata_key"]: r for r in package["resources"]}


def rows(anon: ckanapi.RemoteCKAN, resource_id: str) -> dict[str, Any]:
    return dict(anon.action.datastore_search(resource_id=resource_id, limit=10_000, sort="_id"))


def view(anon: ckanapi.RemoteCKAN, name: str) -> dict[str, Any]:
    """Everything an anonymous visitor can read about the dataset."""
    package = anon.action.package_show(id=name)
    files = {r.get("opendata_key") or r["id"]: download(r["url"]) for r in package["resources"]}
    csv = by_key(package)["data-csv"]
    table = rows(anon, csv["id"])
    return {
        "package": package,
        "files": files,
        "fields": table["fields"],
        "records": table["records"],
    }


def parquet_records(path: Path) -> list[dict[str, Any]]:
    """The Parquet rows as the DataStore's JSON shows them (dates as ISO text)."""
    out = []
    for row in pq.read_table(path).to_pylist():
        out.append({k: _jsonish(v) for k, v in row.items()})
    return out


def _jsonish(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def table_names(admin: ckanapi.RemoteCKAN) -> dict[str, str | None]:
    """DataStore tables and aliases (name -> alias_of), through the SQL API."""
    result = admin.action.datastore_search_sql(sql='SELECT name, alias_of FROM "_table_metadata"')
    return {r["name"]: r["alias_of"] for r in result["records"]}
