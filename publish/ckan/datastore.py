"""The typed DataStore table behind the CSV resource: types, key and dictionary from the schema.

CKAN's DataStore would guess column types from the first records (or leave everything
text); a developer then gets numbers as strings. Here the PostgreSQL type, the primary key
and the data dictionary (``info``: label and notes per column) come from the Table Schema,
and the rows come from the Parquet file, which already holds the schema's types.

A new table is filled by one of two paths (:mod:`publish.ckan.datastore_load`): chunks of
``datastore_upsert`` (10,000 rows a call, several in flight; one request per chunk keeps memory
flat on both sides; the record count computed once, at the end), or ckanext-xloader's COPY of
the uploaded CSV on the portal, repaired and checked afterwards (:mod:`publish.ckan.datastore_verify`).

A table people are reading is never emptied for an update of its rows: ``replace_rows``
upserts the new rows by primary key (each call one transaction) and then deletes the keys
that went away. A table of at most one chunk therefore changes in two transactions; readers
see the old rows, then the new rows plus the vanished ones for one request, then the new rows.

What a table holds is summed up in a *signature* stored on the CSV resource
(``opendata_datastore``): the CSV's hash, a hash of the structure (names, types, key) and a
hash of the dictionary. Equal signatures mean no DataStore call at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from opendata.errors import PublishError
from opendata.table_schema import TableSchema
from publish.ckan import datastore_load, datastore_verify, row_count
from publish.ckan.client import CkanClient

CHUNK_ROWS = 10_000
SIGNATURE_EXTRA = "opendata_datastore"
DIRTY = "updating"  # the signature while rows are being changed: the table matches no file

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
    heartbeat: Callable[[], None] = lambda: None,
    path: str = "api",
    concurrency: int = 1,
    notes: list[str] | None = None,
) -> int:
    """(Re)create the table on ``resource_id`` and fill it; returns the row count.

    ``path``: ``api`` (``datastore_upsert`` calls, ``concurrency`` at once) or ``xloader`` (the
    resource's uploaded CSV, COPYed by the portal's xloader job; :mod:`publish.ckan.datastore_load`).
    An existing table is dropped first: a typed table cannot change type in place, and a
    half-loaded one from a failed run must not be appended to.
    """
    drop(client, resource_id)
    spec = fields(schema)
    if path == "xloader":
        spec = datastore_load.xloader_fields(spec)
    create: dict[str, Any] = {
        "resource_id": resource_id,
        "force": True,
        "fields": spec,
        "calculate_record_count": False,
    }
    # xloader: the key's unique index is built after the job, in one sort, instead of entry by
    # entry during its COPY and again during its full-text UPDATE, which writes every row anew.
    if schema.primary_key and path != "xloader":
        create["primary_key"] = schema.primary_key
    if aliases:
        create["aliases"] = aliases
    client.call("datastore_create", **create)
    total = pq.ParquetFile(parquet).metadata.num_rows
    if path == "xloader":
        datastore_load.run_xloader(client, resource_id, heartbeat=heartbeat)
        # the plain dictionary again (no type_override): the same table as the API path's
        datastore_verify.repair_indexes(client, resource_id, fields(schema), schema.primary_key, aliases or [])
        found = datastore_verify.verify(client, resource_id, spec, schema.primary_key, total)
        if notes is not None:
            notes += found
        done = total
    else:
        batches = chunks(parquet, schema, chunk_rows)
        done = datastore_load.insert_api(client, resource_id, batches, concurrency=concurrency, heartbeat=heartbeat)
    # The portal's default views (datatables_view on the test portal) need an active table, which
    # CKAN did not have when the resource was created: create them now (CKAN skips existing ones).
    resource = client.call("resource_show", id=resource_id)
    client.call("resource_create_default_resource_views", resource=resource, create_datastore_views=True)
    return int(done)


def replace_rows(
    client: CkanClient,
    resource_id: str,
    schema: TableSchema,
    parquet: Path,
    *,
    previous: Path | None = None,
    chunk_rows: int = CHUNK_ROWS,
    heartbeat: Callable[[], None] = lambda: None,
) -> tuple[int, int]:
    """Bring a live table to the Parquet file's rows without emptying it; (rows upserted, deleted).

    Needs a primary key (``upsert`` matches rows by it). ``previous``: the Parquet file of the
    version the table holds *exactly* (the caller vouches for it); then only rows that differ
    from it are sent, which keeps the update of a big, slowly changing table short. Re-running
    after a failure converges: an upsert is idempotent, and deletions come from the table.
    """
    key = schema.primary_key
    if not key:
        raise ValueError("replace_rows needs a primary key")
    types = {f["id"]: f["type"] for f in fields(schema)}
    canon = [_CANON.get(types[k], str) for k in key]

    def as_key(values: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(c(v) for c, v in zip(canon, values, strict=True))

    before = {as_key(k) for k in table_keys(client, resource_id, key)}
    wanted = {as_key(tuple(k.values())) for k in pq.read_table(parquet, columns=key).to_pylist()}
    vanished = sorted(before - wanted, key=repr)
    deletes = list(_delete_filters(key, vanished))
    rows = changed_rows(parquet, previous) if previous else parquet
    done = 0
    # Every call clears CKAN's cached row count (``False``); :mod:`publish.ckan.row_count`
    # repairs what a reader racing the last call stored.
    for records in chunks(rows, schema, chunk_rows):
        heartbeat()  # a long update keeps the run's lease
        done += len(records)
        client.call(
            "datastore_upsert",
            resource_id=resource_id,
            force=True,
            method="upsert",
            records=records,
            calculate_record_count=False,
        )
    for batch in deletes:
        client.call(
            "datastore_delete", resource_id=resource_id, force=True, filters=batch, calculate_record_count=False
        )
    if deletes and {as_key(k) for k in table_keys(client, resource_id, key)} != wanted:
        raise PublishError(  # never expected; the signature stays old, so the next run upserts again
            f"DataStore table {resource_id} does not hold exactly the {len(wanted)} rows of the new version "
            "after the update: run the publish again (it re-applies the rows)"
        )
    row_count.settle(client, resource_id, len(wanted))  # readers raced the writes: make ``total`` exact
    return done, len(vanished)


def changed_rows(parquet: Path, previous: Path) -> Path | pa.Table:
    """The rows of ``parquet`` without an identical row in ``previous`` (every column compared,
    a null equal to a null); the file itself when the layouts differ."""
    new, old = pq.read_table(parquet), pq.read_table(previous)
    if new.schema != old.schema:
        return parquet
    ours = _comparable(new).append_column("__row", pa.array(range(new.num_rows), pa.int64()))
    theirs = _comparable(old)
    kept = ours.join(theirs, keys=theirs.column_names, join_type="left anti").column("__row")
    return new.take(pc.take(kept, pc.sort_indices(kept)))  # in the file's order


def _comparable(table: pa.Table) -> pa.Table:
    """Each column as text with nulls filled, plus a null flag: joins never match nulls."""
    columns, names = [], []
    for i, column in enumerate(table.columns):
        columns += [pc.fill_null(pc.cast(column, pa.string()), ""), pc.is_null(column)]
        names += [f"v{i}", f"n{i}"]
    return pa.table(columns, names=names)


def _decimal(value: Any) -> Any:
    return Decimal(str(value)).normalize()


# How a key value is compared, whichever way it came (Parquet record or DataStore JSON).
_CANON: dict[str, Callable[[Any], Any]] = {
    "int8": int,
    "int4": int,
    "numeric": _decimal,
    "bool": bool,
    "date": lambda v: str(v)[:10],
    "timestamp": lambda v: str(v).replace(" ", "T")[:19],
}


def _delete_filters(key: list[str], vanished: list[tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
    """``datastore_delete`` filters for the vanished keys: one ``IN`` list, or one per key."""
    if not vanished:
        return
    if len(key) == 1:
        for start in range(0, len(vanished), CHUNK_ROWS):
            yield {key[0]: [_plain(k[0]) for k in vanished[start : start + CHUNK_ROWS]]}
        return
    for k in vanished:  # composite keys: filters are an AND of columns
        yield {name: _plain(v) for name, v in zip(key, k, strict=True)}


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def table_keys(client: CkanClient, resource_id: str, key: list[str]) -> Iterator[tuple[Any, ...]]:
    """The primary key of every row in the table (paged by ``_id``)."""
    offset, page = 0, 32_000  # CKAN's default ckan.datastore.search.rows_max
    while True:
        found = client.call(
            "datastore_search",
            resource_id=resource_id,
            fields=key,
            sort="_id",
            limit=page,
            offset=offset,
            include_total=False,
        )["records"]
        for r in found:
            yield tuple(r[k] for k in key)
        if len(found) < page:
            return
        offset += page


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


def chunks(parquet: Path | pa.Table, schema: TableSchema, size: int) -> Iterator[list[dict[str, Any]]]:
    """JSON-ready records from the Parquet file (streamed) or a table, ``size`` rows at a time."""
    names = schema.field_names
    if isinstance(parquet, pa.Table):
        batches: Iterator[pa.RecordBatch] = iter(parquet.select(names).to_batches(max_chunksize=size))
    else:
        batches = pq.ParquetFile(parquet).iter_batches(batch_size=size, columns=names)
    for batch in batches:
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
