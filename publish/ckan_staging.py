"""Staging: new files of a public dataset are uploaded where nobody can see them.

Each public dataset has a private companion, ``<name>--staging``, in the same organization.
Changed files are uploaded there and the new CSV's DataStore table is loaded there; then the
resources are detached from it, so the public dataset can take them over in one
``package_update`` (CKAN refuses a resource id that is active in another dataset, and
accepts one whose resource was deleted). The companion stays, empty and private, for the
next update.

A run interrupted while staging leaves its uploads in the companion; the next run reuses a
staged file whose hash is the one it needs instead of uploading it again.
"""

from __future__ import annotations

from typing import Any

from opendata.build import Build
from opendata.errors import PublishError
from publish import datastore
from publish.ckan_client import CkanClient
from publish.ckan_metadata import resource_fields
from publish.ckan_plan import Plan, keyed

STAGING_SUFFIX = "--staging"
NOT_CARRIED = ("package_id", "position", "state")


def stage(
    client: CkanClient,
    build: Build,
    package: dict[str, Any],
    plan: Plan,
    *,
    org_id: str,
    notes: list[str],
    chunk_rows: int = datastore.CHUNK_ROWS,
) -> dict[str, dict[str, Any]]:
    """Upload the changed files (and load the CSV's table) privately; returns them by key."""
    staging = staging_dataset(client, package, org_id)
    left, surplus = keyed(staging)
    for f in plan.uploads:
        reusable = left.get(f.key)
        if reusable and reusable.get("hash") == f"sha256:{f.built.sha256}":
            left.pop(f.key)
            notes.append(f"{f.key}: reused the copy staged by an interrupted run")
            continue
        fields = resource_fields(f.built, build.manifest)
        client.upload("resource_create", f.built.path, package_id=staging["id"], **fields)
    for r in [*left.values(), *surplus]:  # resource_delete also drops a half-loaded table
        client.call("resource_delete", id=r["id"])
    staged = keyed(client.call("package_show", id=staging["id"]))[0]
    csv = staged.get("data-csv")
    if csv and not _loaded(csv, plan.signature):
        parquet = build.file("data-parquet").path
        rows = datastore.load(client, csv["id"], build.schema, parquet, chunk_rows=chunk_rows)
        notes.append(f"DataStore table loaded: {rows} rows, types from the Table Schema")
        client.call("resource_patch", id=csv["id"], **{datastore.SIGNATURE_EXTRA: plan.signature.dump()})
        staged = keyed(client.call("package_show", id=staging["id"]))[0]
    # Detach: the resources become 'deleted' in the staging dataset; files and tables stay.
    client.call("package_patch", id=staging["id"], resources=[])
    wanted = {f.key for f in plan.uploads}
    return {key: {k: v for k, v in r.items() if k not in NOT_CARRIED} for key, r in staged.items() if key in wanted}


def _loaded(csv: dict[str, Any], wanted: datastore.Signature) -> bool:
    have = datastore.Signature.parse(csv.get(datastore.SIGNATURE_EXTRA))
    return bool(csv.get("datastore_active")) and have == wanted


def staging_dataset(client: CkanClient, package: dict[str, Any], org_id: str) -> dict[str, Any]:
    name = f"{package['name']}{STAGING_SUFFIX}"
    if len(name) > 100:
        raise PublishError(f"dataset name '{package['name']}' is too long to stage an update (at most 91 characters)")
    found = client.show("package_show", id=name)
    if found:
        return dict(found)
    notes = (
        f"Private staging area of the opendata pipeline for '{package['name']}': new files are "
        "uploaded here out of sight, then moved into the public dataset in one update. Do not edit."
    )
    title = f"[staging] {package['title']}"
    created = client.call("package_create", name=name, owner_org=org_id, private=True, title=title, notes=notes)
    return dict(created)
