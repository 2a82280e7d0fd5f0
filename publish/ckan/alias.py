"""The stable DataStore name (the dataset's) on the CSV resource's table, repaired when broken.

``datastore_search?resource_id=<dataset name>`` must reach the current table. Races of the
old staging design could leave that alias on an *orphan* table: one whose resource was
deleted or purged. CKAN then answers "Not found" for the alias (``datastore_info`` reads the
resource first), refuses to give the alias to another table ("already exists"), and cannot
drop the orphan either (``datastore_delete`` also reads the resource first).

The repair: find the orphan's id (``_table_metadata``, through ``datastore_search_sql``),
give that id a resource again, in a private throwaway dataset, drop the table through it
(which drops its aliases), remove the throwaway, and set the alias on the right table.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from opendata.errors import PublishError
from publish.ckan import datastore
from publish.ckan.client import CkanClient

ALIAS_MAX = 63  # PostgreSQL identifiers


def ensure_alias(client: CkanClient, name: str, csv_id: str, package: dict[str, Any], notes: list[str]) -> None:
    """Point the alias ``name`` at ``csv_id``'s table, repairing an orphan that holds it."""
    if len(name) > ALIAS_MAX:
        return
    target = datastore.alias_target(client, name)
    if target == csv_id:
        return
    if target is not None:
        owner = client.show("resource_show", id=target)
        if owner and owner.get("package_id") != package["id"]:
            notes.append(f"DataStore alias '{name}' belongs to another dataset's table ({target}); left alone")
            return
        datastore.drop(client, target)  # a stray of this dataset: its table goes
        notes.append(f"DataStore alias '{name}' was on a stray table ({target}); dropped it")
    else:
        orphan = orphan_of(client, name)
        if orphan is not None and orphan != csv_id:
            drop_orphan(client, orphan, package)
            notes.append(f"DataStore alias '{name}' was on an orphan table ({orphan}); repaired")
    try:
        datastore.set_alias(client, csv_id, name)
    except PublishError as exc:  # an orphan we could not find (no SQL API): say so, publish anyway
        notes.append(f"DataStore alias '{name}' could not be set ({exc}); ask a sysadmin to drop the orphan table")
        return
    notes.append(f"DataStore alias '{name}' now points at the CSV resource's table")


def needs_repair(client: CkanClient, name: str, csv_id: str, package_id: str) -> bool:
    """Is the alias missing, or on a table this run may drop? (Reads only.)"""
    if len(name) > ALIAS_MAX:
        return False
    target = datastore.alias_target(client, name)
    if target is None or target == csv_id:
        return target is None
    owner = client.show("resource_show", id=target)
    return not owner or owner.get("package_id") == package_id


def orphan_of(client: CkanClient, alias: str) -> str | None:
    """The table an alias belongs to when CKAN itself will not say (its resource is gone)."""
    if not re.fullmatch(r"[a-z0-9_-]+", alias):
        return None
    sql = f"SELECT alias_of FROM \"_table_metadata\" WHERE name = '{alias}' AND alias_of IS NOT NULL"
    try:
        found = client.call("datastore_search_sql", sql=sql)["records"]
    except PublishError:
        return None  # the SQL API is off on this portal: nothing to find it with
    return str(found[0]["alias_of"]) if found else None


def drop_orphan(client: CkanClient, table_id: str, package: dict[str, Any]) -> None:
    """Drop a table whose resource is gone, by lending its id to a throwaway resource."""
    name = f"{package['name'][:80]}-repair-{uuid.uuid4().hex[:8]}"
    spare = client.call(
        "package_create",
        name=name,
        owner_org=package["owner_org"],
        private=True,
        title=f"[repair] {package.get('title') or package['name']}",
        resources=[{"id": table_id, "url": "repair", "name": "orphan DataStore table"}],
    )
    try:
        datastore.drop(client, table_id)
    finally:
        try:
            client.call("dataset_purge", id=spare["id"])
        except PublishError:  # not a sysadmin: leave it deleted (private, empty, in the trash)
            client.call("package_delete", id=spare["id"])
