"""The CKAN target: publish a build to a CKAN 2.11+ portal, idempotently, with stable links.

A dataset is found by name with ``package_show`` (never search: search may lag or be
down). What changes is planned from reads first (``publish.ckan.plan``). A run that has something
to write takes the dataset's lease (``publish.ckan.lease``: one run at a time, across machines), and
then updates **in place**: every resource keeps its id and download URL.

1. resources left over by an interrupted run (surplus keys) are deleted;
2. the DataStore table of the CSV resource is brought to the new rows without being
   emptied (``datastore.replace_rows``: upsert by key, then delete the vanished keys);
3. the changed files are uploaded onto their resources (``resource_patch``; CKAN writes the
   upload to a temporary file and renames it, so a download gets the old or the new bytes),
   datapackage.json last;
4. one ``package_update`` writes the metadata of what is now served (hashes, provenance,
   DCAT fields), puts the resources in order, makes a new dataset public and drops the lease.

A new dataset is created private and stays so until step 4. A failure anywhere leaves every
file whole and each resource's hash true to its bytes; the next run converges. docs/ckan.md
says what a reader can see between steps 2 and 4, and for how long.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from opendata.build import Build
from opendata.dcat.records import require_dcat_fields
from opendata.errors import PublishError
from opendata.settings import Settings
from publish.base import Change, FileOutcome, PublishResult
from publish.ckan import datastore, datastore_load
from publish.ckan.alias import ensure_alias, needs_repair
from publish.ckan.client import CkanClient, PortalConflict
from publish.ckan.dcat import publish_catalog
from publish.ckan.lease import LEASE_EXTRA, Leases, new_owner
from publish.ckan.metadata import (
    PROVENANCE_KEYS,
    dataset_name,
    extras_dict,
    provenance_extras,
    resource_fields,
)
from publish.ckan.package import differs, final_package
from publish.ckan.plan import Plan, keyed, make_plan
from publish.ckan.translations import write_translations
from publish.targets import CKAN_TOKEN

log = logging.getLogger(__name__)

LEGACY_STAGING = "--staging"  # the private twin of the old stage-and-swap design
Package = dict[str, Any]


class CkanTarget:
    name = "ckan"

    def __init__(
        self,
        client: CkanClient,
        *,
        prefix: str = "",
        chunk_rows: int = datastore.CHUNK_ROWS,
        lease_wait: float | None = None,
        load_path: str = "auto",
        concurrency: int = datastore_load.CONCURRENCY,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.chunk_rows = chunk_rows
        self.load_path, self.concurrency = load_path, concurrency
        self.leases = Leases(client, new_owner())
        if lease_wait is not None:
            self.leases.wait = lease_wait

    @classmethod
    def from_settings(cls, current: Settings, token: str | None = None) -> CkanTarget:
        """From CKAN_URL, CKAN_API_TOKEN (else ``token``, e.g. from a Prefect Secret),
        CKAN_DATASET_PREFIX (prepended to every dataset name; tests use it) and CKAN_LEASE_WAIT."""
        url = (current.ckan_url or "").strip()
        secret = (current.ckan_api_token or "").strip() or (token or "").strip()
        if not url:
            raise PublishError("CKAN_URL is not set: set it to the portal's address")
        if not secret:
            raise PublishError(
                f"{CKAN_TOKEN.env} is not set: create an API token for the publishing user on the "
                f"portal and set {CKAN_TOKEN.env} (deployments: a Prefect Secret block '{CKAN_TOKEN.block}')"
            )
        load_path, concurrency = datastore_load.load_settings(
            current.ckan_datastore_load, current.ckan_datastore_concurrency
        )
        return cls(
            CkanClient(url, secret),
            prefix=current.ckan_dataset_prefix.strip(),
            lease_wait=current.ckan_lease_wait,
            load_path=load_path,
            concurrency=concurrency,
        )

    def published_rows(self, slug: str) -> int | None:
        """The rows the portal serves for ``slug`` (the shrink guard's comparison), or None."""
        from publish.ckan.rows import published_rows

        return published_rows(self.client, dataset_name(self.prefix, slug))

    def __repr__(self) -> str:
        return f"CkanTarget(url={self.client.url!r}, prefix={self.prefix!r})"

    def publish(
        self, build: Build, *, run_id: str | None = None, dry_run: bool = False, batch: str | None = None
    ) -> PublishResult:
        """Each dataset goes live on the portal as it is published (CKAN has no version of the whole
        catalog to swap), so the target has no per-run step and is never given a batch."""
        name = dataset_name(self.prefix, build.manifest.slug)
        require_dcat_fields(build.manifest)  # the DCAT catalog below needs them: fail before writing
        self.client.whoami()
        package = self._show(name)
        if not dry_run:  # another run is writing: wait for its end, then plan from what it left
            package = self.leases.wait_free(name, package)
        plan = make_plan(build, package)
        provenance = _provenance(build, package, run_id)
        notes: list[str] = []
        if dry_run:
            would = self._dry_change(build, package, plan, provenance, notes)
            return self._result(build, name, would, package, plan, notes, dry_run=True)
        public = package is not None and not package["private"]
        org_id = self._organization(build)
        if package and not self._work_to_do(build, package, plan, org_id, provenance, name):
            notes += self._catalog_side(build, package)
            return self._result(build, name, "unchanged", package, plan, notes)
        package = self._take(build, name, package, org_id)
        try:
            plan = make_plan(build, package)  # from the dataset as read under the lease
            provenance = _provenance(build, package, run_id)
            after = self._write(build, name, package, plan, org_id, provenance, notes)
        except BaseException:
            with contextlib.suppress(Exception):  # best effort: else it expires, or its process is gone
                self.leases.release(package["id"])
            raise
        notes += self._catalog_side(build, after)
        return self._result(build, name, "updated" if public else "created", after, plan, notes)

    def _catalog_side(self, build: Build, package: Package) -> list[str]:
        """What every publish keeps current beside the dataset: the translated fields (when the
        portal's schema has them) and the organisation's DCAT catalog (publish/ckan/dcat.py)."""
        return [
            *write_translations(self.client, build, package),
            *publish_catalog(self.client, build, package, prefix=self.prefix),
        ]

    def _show(self, name: str) -> Package | None:
        package = self.client.show("package_show", id=name)
        if package and package.get("state") == "deleted":
            raise PublishError(f"dataset '{name}' is deleted on {self.client.url}: purge or restore it")
        return dict(package) if package else None

    def _work_to_do(
        self, build: Build, package: Package, plan: Plan, org_id: str, provenance: dict[str, str], name: str
    ) -> bool:
        """Anything to write? Decided from reads, so a re-run writes nothing (and takes no lease)."""
        if package["private"] or plan.uploads or plan.strays or plan.datastore != "keep":
            return True
        current = keyed(package)[0]
        body = final_package(
            build,
            package,
            current,
            site=self.client.url,
            org_id=org_id,
            provenance=provenance,
            signature=plan.signature,
        )
        return differs(package, body) or needs_repair(self.client, name, current["data-csv"]["id"], package["id"])

    def _take(self, build: Build, name: str, package: Package | None, org_id: str) -> Package:
        """The dataset with this run's lease on it; a new one is created private, lease included."""
        while package is None:
            title = build.manifest.title.get(build.manifest.language)
            lease = {"key": LEASE_EXTRA, "value": self.leases.mine().dump()}
            try:
                self.client.call(
                    "package_create", name=name, title=title, owner_org=org_id, private=True, extras=[lease]
                )
            except PortalConflict:  # another run created it a moment ago: wait for that run
                package = self.leases.wait_free(name, self._show(name))
                continue
            created = self._show(name)
            assert created is not None
            self.leases.taken_at = time.monotonic()
            return created
        return self.leases.acquire(name, package)

    def _write(
        self,
        build: Build,
        name: str,
        package: Package,
        plan: Plan,
        org_id: str,
        provenance: dict[str, str],
        notes: list[str],
    ) -> Package:
        """Steps 1-4 of the module docstring, under the lease."""
        pid = package["id"]
        self._retire_staging_twin(name)
        for stray in plan.strays:  # leftovers of an interrupted or racing run: not the good version
            self.client.call("resource_delete", id=stray["id"])
        pending = list(plan.uploads)
        csv = plan.file("data-csv")
        loader = None
        if plan.datastore == "rebuild":
            loader = datastore_load.choose(self.client, self.load_path, build.row_count)
        # The table needs its resource, and xloader reads the uploaded CSV: then the CSV comes first.
        if csv.current is None or (loader and loader[0] == "xloader" and csv in pending):
            csv.current = self._upload(build, pid, csv.key, csv.current)
            pending.remove(csv)
        csv_id = csv.current["id"]
        self._datastore(build, plan, csv_id, notes, heartbeat=lambda: self.leases.renew(pid), loader=loader)
        ensure_alias(self.client, name, csv_id, package, notes)
        self.leases.renew(pid)
        pending.sort(key=lambda f: f.key == "datapackage")  # it describes the others: last
        for f in pending:
            self._upload(build, pid, f.key, f.current)
        current = self.client.call("package_show", id=pid)
        body = final_package(
            build,
            current,
            keyed(current)[0],
            site=self.client.url,
            org_id=org_id,
            provenance=provenance,
            signature=plan.signature,
        )
        return dict(self.client.call("package_update", **body))  # metadata, order, public, lease off

    def _upload(self, build: Build, package_id: str, key: str, current: Package | None) -> Package:
        """One file onto its resource (same id, same URL), or a new resource for a new key."""
        f = build.file(key)
        fields = resource_fields(f, build.manifest)
        if current:
            return dict(self.client.upload("resource_patch", f.path, id=current["id"], **fields))
        return dict(self.client.upload("resource_create", f.path, package_id=package_id, **fields))

    def _datastore(
        self,
        build: Build,
        plan: Plan,
        csv_id: str,
        notes: list[str],
        heartbeat: Callable[[], None],
        loader: tuple[str, str] | None = None,
    ) -> None:
        parquet = build.file("data-parquet").path
        if plan.datastore == "rebuild":
            path, why = loader or ("api", "")
            started, found = time.monotonic(), list[str]()
            rows = datastore.load(
                self.client,
                csv_id,
                build.schema,
                parquet,
                chunk_rows=self.chunk_rows,
                heartbeat=heartbeat,
                path=path,
                concurrency=self.concurrency,
                notes=found,
            )
            seconds = time.monotonic() - started
            notes.append(datastore_load.describe(path, why, rows, seconds, ", types from the Table Schema"))
            log.info(notes[-1])
            notes += found
        elif plan.datastore == "upsert":  # the dirty mark: until the final update, the table matches no file
            have = datastore.Signature.parse((plan.file("data-csv").current or {}).get(datastore.SIGNATURE_EXTRA))
            with tempfile.TemporaryDirectory() as tmp:
                previous = self._previous_rows(plan, Path(tmp) / "previous.parquet")
                want = plan.signature
                dirty = datastore.Signature(datastore.DIRTY, want.structure, have.dictionary if have else "")
                self.client.call("resource_patch", id=csv_id, **{datastore.SIGNATURE_EXTRA: dirty.dump()})
                rows, gone = datastore.replace_rows(
                    self.client,
                    csv_id,
                    build.schema,
                    parquet,
                    previous=previous,
                    chunk_rows=self.chunk_rows,
                    heartbeat=heartbeat,
                )
            notes.append(f"DataStore rows updated in place: {rows} upserted by key, {gone} deleted")
            if not have or have.dictionary != want.dictionary:
                datastore.update_dictionary(self.client, csv_id, build.schema)
        elif plan.datastore == "dictionary":
            datastore.update_dictionary(self.client, csv_id, build.schema)
            notes.append("DataStore data dictionary updated")

    def _previous_rows(self, plan: Plan, path: Path) -> Path | None:
        """The portal's Parquet file when the table holds exactly its rows (only changed rows
        are then sent): the table's signature is clean and names the CSV that is served."""
        csv, parquet = plan.file("data-csv").current or {}, plan.file("data-parquet").current or {}
        have = datastore.Signature.parse(csv.get(datastore.SIGNATURE_EXTRA))
        served = str(csv.get("hash") or "").removeprefix("sha256:")  # plain hex since 2026-12
        if not have or have.rows != f"sha256:{served}" or not parquet.get("url"):
            return None
        return path if self.client.download(str(parquet["url"]), path) else None

    def _retire_staging_twin(self, name: str) -> None:
        """The private ``<name>--staging`` of earlier versions: emptied (its tables dropped), deleted."""
        twin = self.client.show("package_show", id=f"{name}{LEGACY_STAGING}")
        if not twin or twin.get("state") == "deleted":
            return
        for r in twin.get("resources") or []:
            self.client.call("resource_delete", id=r["id"])
        self.client.call("package_delete", id=twin["id"])

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
        if self.leases.waited and not dry_run:
            notes.append(f"waited {self.leases.waited:.0f} s for another run of this dataset to finish")
            self.leases.waited = 0.0
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
