"""The CKAN target: publish a build to a CKAN 2.11+ portal, idempotently and never half-way.

A dataset is found by name with ``package_show`` (never search: search may lag or be
down). What changes is planned from reads first (``ckan_plan``); then:

* **Not yet public** (new, or private after a failed first run): write in place. The dataset
  is created private, files are uploaded, the DataStore table is loaded, and only the last
  call, one ``package_update``, makes it public with its final metadata.
* **Public**: changed files are uploaded to a private staging dataset (``ckan_staging``),
  out of sight, and the new CSV's DataStore table is loaded there. Then one
  ``package_update`` on the public dataset swaps the new resources in and the old ones out,
  together with the new metadata: readers see the old version, then the new one. The
  replaced CSV resource is deleted right after, which drops its DataStore table.

A failure before the swap leaves the public dataset exactly as it was; the next run reuses
what is already staged and converges. docs/ckan.md says what a reader sees and why.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from opendata.build import Build
from opendata.dcat.records import require_dcat_fields
from opendata.errors import PublishError
from publish import datastore
from publish.base import Change, FileOutcome, PublishResult
from publish.ckan_client import CkanClient
from publish.ckan_dcat import publish_catalog
from publish.ckan_metadata import (
    PROVENANCE_KEYS,
    dataset_name,
    extras_dict,
    provenance_extras,
    resource_fields,
)
from publish.ckan_package import differs, final_package
from publish.ckan_plan import Plan, keyed, make_plan
from publish.ckan_staging import stage
from publish.ckan_translations import write_translations

TOKEN_BLOCK = "ckan-api-token"
Package = dict[str, Any]


class CkanTarget:
    name = "ckan"

    def __init__(self, client: CkanClient, *, prefix: str = "", chunk_rows: int = datastore.CHUNK_ROWS) -> None:
        self.client = client
        self.prefix = prefix
        self.chunk_rows = chunk_rows

    @classmethod
    def from_env(cls, token: str | None = None, environ: Mapping[str, str] | None = None) -> CkanTarget:
        """From CKAN_URL, CKAN_API_TOKEN (else ``token``, e.g. from a Prefect Secret) and
        CKAN_DATASET_PREFIX (prepended to every dataset name; tests use it)."""
        env = os.environ if environ is None else environ
        url = env.get("CKAN_URL", "").strip()
        secret = env.get("CKAN_API_TOKEN", "").strip() or (token or "").strip()
        if not url:
            raise PublishError("CKAN_URL is not set: set it to the portal's address")
        if not secret:
            raise PublishError(
                "CKAN_API_TOKEN is not set: create an API token for the publishing user on the "
                "portal and set CKAN_API_TOKEN (deployments: a Prefect Secret block "
                f"'{TOKEN_BLOCK}')"
            )
        return cls(CkanClient(url, secret), prefix=env.get("CKAN_DATASET_PREFIX", "").strip())

    def __repr__(self) -> str:
        return f"CkanTarget(url={self.client.url!r}, prefix={self.prefix!r})"

    def publish(self, build: Build, *, run_id: str | None = None, dry_run: bool = False) -> PublishResult:
        name = dataset_name(self.prefix, build.manifest.slug)
        require_dcat_fields(build.manifest)  # the DCAT catalog below needs them: fail before writing
        self.client.whoami()
        package = self.client.show("package_show", id=name)
        if package and package.get("state") == "deleted":
            raise PublishError(f"dataset '{name}' is deleted on {self.client.url}: purge or restore it")
        public = package is not None and not package["private"]
        plan = make_plan(build, package, public=public)
        provenance = _provenance(build, package, run_id)
        notes: list[str] = []
        if dry_run:
            would = self._dry_change(build, package, plan, provenance, notes)
            return self._result(build, name, would, package, plan, notes, dry_run=True)
        org_id = self._organization(build)
        if package and public:
            after, changed = self._update_public(build, package, plan, org_id, provenance, notes)
        else:
            after = self._publish_unseen(build, name, package, plan, org_id, provenance, notes)
            changed = True
        self._ensure_alias(name, keyed(after)[0]["data-csv"]["id"], notes)
        notes += write_translations(self.client, build, after)  # when the portal's schema has the fields
        notes += publish_catalog(self.client, build, after, prefix=self.prefix)  # publish/ckan_dcat.py
        change: Change = "created" if not public else ("updated" if changed else "unchanged")
        return self._result(build, name, change, after, plan, notes)

    def _publish_unseen(
        self,
        build: Build,
        name: str,
        package: Package | None,
        plan: Plan,
        org_id: str,
        provenance: dict[str, str],
        notes: list[str],
    ) -> Package:
        """Nobody can see the dataset yet: write in place, make it public last."""
        if package is None:
            title = build.manifest.title.get(build.manifest.language)
            package = self.client.call("package_create", name=name, title=title, owner_org=org_id, private=True)
        assert package is not None
        for stray in plan.strays:
            self.client.call("resource_delete", id=stray["id"])
        for f in plan.uploads:
            fields = resource_fields(f.built, build.manifest)
            if f.current:
                self.client.upload("resource_patch", f.built.path, id=f.current["id"], **fields)
            else:
                self.client.upload("resource_create", f.built.path, package_id=package["id"], **fields)
        current = self.client.call("package_show", id=package["id"])
        csv_id = keyed(current)[0]["data-csv"]["id"]
        parquet = build.file("data-parquet").path
        if plan.datastore == "rebuild":
            rows = datastore.load(self.client, csv_id, build.schema, parquet, chunk_rows=self.chunk_rows)
            notes.append(f"DataStore table loaded: {rows} rows, types from the Table Schema")
        elif plan.datastore == "dictionary":
            datastore.update_dictionary(self.client, csv_id, build.schema)
            notes.append("DataStore data dictionary updated")
        current = self.client.call("package_show", id=package["id"])
        body = final_package(
            build,
            current,
            keyed(current)[0],
            site=self.client.url,
            org_id=org_id,
            provenance=provenance,
            signature=plan.signature,
        )
        return dict(self.client.call("package_update", **body))  # private=False: now it is out

    def _update_public(
        self,
        build: Build,
        package: Package,
        plan: Plan,
        org_id: str,
        provenance: dict[str, str],
        notes: list[str],
    ) -> tuple[Package, bool]:
        """Readers are looking: stage new files privately, then swap them in with one update."""
        for stray in plan.strays:  # leftovers of an interrupted run, not part of the good version
            self.client.call("resource_delete", id=stray["id"])
        resources = {f.key: f.current for f in plan.files if f.current and not f.upload}
        retired: list[Package] = []
        if plan.uploads:
            resources |= stage(
                self.client,
                build,
                package,
                plan,
                org_id=org_id,
                notes=notes,
                chunk_rows=self.chunk_rows,
            )
            retired = [f.current for f in plan.uploads if f.current and f.current.get("datastore_active")]
        if plan.datastore == "dictionary":  # labels/notes only: the live table, before the swap
            datastore.update_dictionary(self.client, resources["data-csv"]["id"], build.schema)
            notes.append("DataStore data dictionary updated")
        body = final_package(
            build,
            package,
            resources,
            site=self.client.url,
            org_id=org_id,
            provenance=provenance,
            signature=plan.signature,
            retired=retired,
        )
        if not plan.strays and not differs(package, body):
            return package, False
        after = self.client.call("package_update", **body)  # the swap: one transaction
        for old in retired:  # deleting the resource drops its DataStore table (and alias)
            self.client.call("resource_delete", id=old["id"])
        if retired:
            after = self.client.call("package_show", id=package["id"])
        return dict(after), True

    def _ensure_alias(self, name: str, csv_id: str, notes: list[str]) -> None:
        """A stable DataStore name (the dataset's) that follows the CSV resource across swaps."""
        if len(name) > 63:  # PostgreSQL identifiers
            return
        target = datastore.alias_target(self.client, name)
        if target == csv_id:
            return
        if target is None:
            datastore.set_alias(self.client, csv_id, name)
            notes.append(f"DataStore alias '{name}' now points at the CSV resource's table")
        else:
            notes.append(f"DataStore alias '{name}' belongs to another table ({target}); left alone")

    def _organization(self, build: Build) -> str:
        p = build.manifest.publisher
        org = self.client.show("organization_show", id=p.organization)
        if org is None:
            extras = [{"key": "publisher_uri", "value": p.uri}]
            org = self.client.call("organization_create", name=p.organization, title=p.name, extras=extras)
        return str(org["id"])

    def _dry_change(
        self,
        build: Build,
        package: Package | None,
        plan: Plan,
        provenance: dict[str, str],
        notes: list[str],
    ) -> Change:
        if package is None or package["private"]:
            notes.append(
                "would create the dataset privately, upload every file, load the DataStore, then make it public"
            )
            return "created"
        notes += [f"would upload {f.key} ({f.change})" for f in plan.uploads]
        notes += [f"would remove the stray resource {r['id']}" for r in plan.strays]
        if plan.datastore != "keep":
            notes.append(f"would {plan.datastore} the DataStore table")
        if plan.uploads or plan.strays or plan.datastore != "keep":
            return "updated"
        org = self.client.show("organization_show", id=build.manifest.publisher.organization)
        resources = {f.key: f.current for f in plan.files if f.current}
        body = final_package(
            build,
            package,
            resources,
            site=self.client.url,
            org_id=org["id"] if org else "",
            provenance=provenance,
            signature=plan.signature,
        )
        if differs(package, body):
            notes.append("would patch the metadata")
            return "updated"
        return "unchanged"

    def _result(
        self,
        build: Build,
        name: str,
        change: Change,
        package: Package | None,
        plan: Plan,
        notes: list[str],
        dry_run: bool = False,
    ) -> PublishResult:
        url = f"{self.client.url}/dataset/{name}"
        now = keyed(package)[0] if package else {}
        files = [
            FileOutcome(
                f.key,
                "created" if change == "created" else f.change,
                str(now.get(f.key, {}).get("url") or url),
            )
            for f in plan.files
        ]
        return PublishResult(build.manifest.slug, self.name, change, url, build.row_count, files, dry_run, notes)


def _provenance(build: Build, package: Package | None, run_id: str | None) -> dict[str, str]:
    """Provenance describes the content: unchanged content keeps the provenance it came with."""
    old = extras_dict(package or {})
    if old.get("opendata_content_hash") == build.content_hash:
        return {k: old.get(k, "") for k in PROVENANCE_KEYS}
    return provenance_extras(build, run_id)
