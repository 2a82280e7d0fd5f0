"""The typed DataStore table behind the CSV resource: types, key and dictionary from the schema.

CKAN's DataStore would guess column types from the first records (or leave everything
text); a developer then gets numbers as strings. Here the PostgreSQL type, the primary key
and the data dictionary (``info``: label and notes per column) come from the Table Schema,
and the rows come from the Parquet file, which already holds the schema's types.

Rows go in chunks (``datastore_upsert`` method ``insert``, 10,000 rows a call): one request
per chunk keeps memory flat on both sides, and the record count is computed once, with the
last chunk, not in a background job (the test portal runs no job worker).

What a table holds is summed up in a *signature* stored on the CSV resource
(``opendata_datastore``): the CSV's hash, a hash of the structure (names, types, key) and a
hash of the dictionary. Equal signatures mean no DataStore call at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from opendata.table_schema import TableSchema
from publish.ckan_client import CkanClient

CHUNK_ROWS = 10_000
SIGNATURE_EXTRA = "opendata_datastore"

# Table Schema type -> PostgreSQL type of the DataStore column.
PG_TYPES = {
    "string": "text",
    "integer": "int8",
    "number": "numeric",  # the Table Schema's number is a decimal: keep it exact
    "boolean": "bool",
    "date": "date",
    "datetime": "timestamp",
    "time": "time",
    "year": "int4",
}


def fields(schema: TableSchema) -> list[dict[str, Any]]:
    """``datastore_create`` fields: id, type, and the data dictionary entry."""
    return [
        {
            "id": f["name"],
            "type": PG_TYPES[f.get("type", "string")],
            "info": {"label": f.get("title", ""), "notes": f.get("description", "")},
        }
        for f in schema.fields
    ]


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Signature:
    rows: str  # sha256:<hex> of the CSV the rows came from
    structure: str  # column names, types, primary key
    dictionary: str  # labels and notes

    @classmethod
    def of(cls, schema: TableSchema, csv_sha256: str) -> Signature:
        spec = fields(schema)
        structure = [[f["id"], f["type"]] for f in spec] + [schema.primary_key]
        return cls(f"sha256:{csv_sha256}", _digest(structure), _digest([f["info"] for f in spec]))

    @classmethod
    def parse(cls, text: str | None) -> Signature | None:
        try:
            data = json.loads(text or "")
            return cls(str(data["rows"]), str(data["structure"]), str(data["dictionary"]))
        except (ValueError, KeyError, TypeError):
            return None

    def dump(self) -> str:
        return json.dumps({"rows": self.rows, "structure": self.structure, "dictionary": self.dictionary})


def load(
    client: CkanClient,
    resource_id: str,
    schema: TableSchema,
    parquet: Path,
    *,
    aliases: list[str] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> int:
    """(Re)create the table on ``resource_id`` and insert every row; returns the row count.

    An existing table is dropped first: a typed table cannot change type in place, and a
    half-loaded one from a failed run must not be appended to.
    """
    drop(client, resource_id)
    create: dict[str, Any] = {
        "resource_id": resource_id,
        "force": True,
        "fields": fields(schema),
        "calculate_record_count": False,
    }
    if schema.primary_key:
        create["primary_key"] = schema.primary_key
    if aliases:
        create["aliases"] = aliases
    client.call("datastore_create", **create)
    total = pq.ParquetFile(parquet).metadata.num_rows
    done = 0
    for records in chunks(parquet, schema, chunk_rows):
        done += len(records)
        client.call(
            "datastore_upsert",
            resource_id=resource_id,
            force=True,
            method="insert",
            records=records,
            calculate_record_count=done >= total,
        )
    # The portal's default views (datatables_view on the test portal) need an active table, which
    # CKAN did not have when the resource was created: create them now (CKAN skips existing ones).
    resource = client.call("resource_show", id=resource_id)
    client.call("resource_create_default_resource_views", resource=resource, create_datastore_views=True)
    return done


def drop(client: CkanClient, resource_id: str) -> bool:
    """Drop the table if there is one (its aliases go with it)."""
    return client.show("datastore_delete", resource_id=resource_id, force=True) is not None


def update_dictionary(client: CkanClient, resource_id: str, schema: TableSchema) -> None:
    """Same columns, new labels/notes: CKAN updates the dictionary without touching rows."""
    client.call(
        "datastore_create",
        resource_id=resource_id,
        force=True,
        fields=fields(schema),
        calculate_record_count=False,
    )


def set_alias(client: CkanClient, resource_id: str, alias: str) -> None:
    client.call(
        "datastore_create",
        resource_id=resource_id,
        force=True,
        aliases=[alias],
        calculate_record_count=False,
    )


def alias_target(client: CkanClient, alias: str) -> str | None:
    """The resource id an alias points at, or None when there is no such alias."""
    info = client.show("datastore_info", id=alias)
    return str(info["meta"]["id"]) if info else None


def chunks(parquet: Path, schema: TableSchema, size: int) -> Iterator[list[dict[str, Any]]]:
    """JSON-ready records from the Parquet file, ``size`` rows at a time (streamed)."""
    names = schema.field_names
    for batch in pq.ParquetFile(parquet).iter_batches(batch_size=size, columns=names):
        yield _json_ready(batch).to_pylist()


def _json_ready(batch: pa.RecordBatch) -> pa.Table:
    """Dates, times and timestamps as ISO 8601 text: what PostgreSQL reads and JSON can carry."""
    columns = []
    for column in batch.columns:
        if pa.types.is_timestamp(column.type):
            column = pc.strftime(column, format="%Y-%m-%dT%H:%M:%S")
        elif pa.types.is_date(column.type) or pa.types.is_time(column.type):
            column = column.cast(pa.string())
        columns.append(column)
    return pa.table(columns, names=batch.schema.names)
