"""After a load by another hand (xloader's job): repair what it leaves, then check the table.

ckanext-xloader 2.6.0 drops the table's full-text indexes before its COPY and rebuilds them
(and re-enables CKAN's ``zfulltext`` trigger) on a connection it never commits, so on CKAN
2.12 (SQLAlchemy 2, no autocommit) its finished table has no full-text index and the trigger
stays disabled. The index is repaired here through the API: ``datastore_create`` on the
existing table runs CKAN's ``create_indexes``, which creates the indexes that are missing (and
the primary key's unique index). The trigger cannot be re-enabled through the API; a probe
finds out whether it works, and the run's notes say what a sysadmin must run when it does not
(rows changed by later updates would otherwise drop out of full-text search).
"""

from __future__ import annotations

import secrets
from typing import Any

from opendata.errors import PublishError
from publish.ckan.client import CkanClient


def repair_indexes(
    client: CkanClient, resource_id: str, spec: list[dict[str, Any]], primary_key: list[str], aliases: list[str]
) -> None:
    """CKAN's ``create_indexes`` again: it creates the full-text and key indexes that are missing.

    The key's unique index is built here, after the rows, when the table was loaded without it.
    No record count: xloader's job has just run ``ANALYZE``."""
    body: dict[str, Any] = {"resource_id": resource_id, "force": True, "fields": spec}
    if primary_key:
        body["primary_key"] = primary_key
    if aliases:
        body["aliases"] = aliases
    client.call("datastore_create", calculate_record_count=False, **body)


def verify(
    client: CkanClient, resource_id: str, spec: list[dict[str, Any]], primary_key: list[str], rows: int
) -> list[str]:
    """Row count, types, key and full-text search as the schema wants; a PublishError if not.

    Returns notes (the trigger probe's finding)."""
    info = client.call("datastore_info", id=resource_id)
    have = {f["id"]: f for f in info.get("fields", [])}
    where = f"DataStore table {resource_id} on {client.url} after the xloader load"
    for f in spec:
        got = have.get(f["id"], {}).get("type")
        if got != f["type"]:
            raise PublishError(
                f"{where}: column {f['id']!r} is {got!r}, expected {f['type']!r} from the Table Schema; "
                "run the publish again, or set CKAN_DATASTORE_LOAD=api"
            )
    for name in primary_key:
        # CKAN's primary key is a unique index; datastore_info says "is_index" (its "uniquekey" is
        # false for it on CKAN 2.12), the tests check the uniqueness itself.
        if not (have[name].get("schema") or {}).get("is_index"):
            raise PublishError(
                f"{where}: the primary key column {name!r} has no index; run the publish again, "
                "or set CKAN_DATASTORE_LOAD=api"
            )
    total = client.call("datastore_search", resource_id=resource_id, limit=0)["total"]
    if total != rows:
        raise PublishError(
            f"{where}: {total} rows, expected {rows} (the Parquet file's rows); run the publish again, "
            "or set CKAN_DATASTORE_LOAD=api"
        )
    return _full_text(client, resource_id, spec, primary_key, where)


def _full_text(
    client: CkanClient, resource_id: str, spec: list[dict[str, Any]], primary_key: list[str], where: str
) -> list[str]:
    """Full-text search finds a loaded row; then a probe of the ``zfulltext`` trigger.

    The probe appends a random word to one text cell of the first row, searches for it, and
    puts the cell back (two upserts by key, on a table that was not there before this run)."""
    text = [f["id"] for f in spec if f["type"] == "text" and f["id"] not in primary_key]
    if not text or not primary_key:
        return []
    first = client.call("datastore_search", resource_id=resource_id, limit=1, sort="_id")["records"]
    if not first:
        return []
    row = {k: v for k, v in first[0].items() if not k.startswith("_")}
    column = next((c for c in text if isinstance(row.get(c), str) and any(ch.isalnum() for ch in row[c])), None)
    if column is not None:
        found = client.call("datastore_search", resource_id=resource_id, q=row[column], limit=1)["records"]
        if not found:
            raise PublishError(
                f"{where}: full-text search does not find the first row's {column!r} ({row[column]!r}): "
                "the search column was not filled; run the publish again, or set CKAN_DATASTORE_LOAD=api"
            )
    column = column or text[0]
    word = "opendataprobe" + secrets.token_hex(6)
    key = {k: row[k] for k in primary_key}  # an upsert by key changes only the columns it is given
    upsert = {"resource_id": resource_id, "force": True, "method": "upsert", "calculate_record_count": False}
    client.call("datastore_upsert", records=[{**key, column: f"{row.get(column) or ''} {word}".strip()}], **upsert)
    try:
        hits = client.call("datastore_search", resource_id=resource_id, q=word, limit=1)["records"]
    finally:
        client.call("datastore_upsert", records=[{**key, column: row.get(column)}], **upsert)
    if hits:
        return []
    return [
        f"the portal's xloader left CKAN's full-text trigger disabled on table {resource_id} (a known bug of "
        "ckanext-xloader 2.6.0): rows changed by later updates are not found by full-text search until a "
        f'sysadmin runs ALTER TABLE "{resource_id}" ENABLE TRIGGER zfulltext on the DataStore database'
    ]
