"""The local catalog: the embedded default target when no CKAN portal is configured.

``build/catalog/`` holds one folder per dataset with its published files, a machine-readable
``catalog.json``, the DCAT catalog (``catalog.rdf``, ``catalog.ttl``: publish/local_dcat.py)
and a small static site a person can open (``index.html``, one page per dataset:
``publish/site``). Publishing is idempotent (unchanged
content is not rewritten: same bytes, same hashes) and atomic as a whole: a reader of the
catalog folder sees the old files with the old ``catalog.json``, or the new files with the
new one, never a mix. ``build/catalog`` is a symbolic link to one immutable *version*:

    build/.catalog/data/<slug>/<content hash>/   the files of one dataset version
    build/.catalog/versions/<n>/                 catalog.json, the pages, <slug>/ (hard links into data/)
    build/catalog -> .catalog/versions/<n>       the one pointer, swapped by one rename, last

A publish writes the data folder, then a complete new version, and only then swaps the
pointer; a failure at any step before the swap leaves the live version untouched, and a
re-run converges (what was already written is reused). Old versions are removed after the
swap, keeping the previous one for readers that opened it a moment before.

A run that publishes several datasets (``publish-all``) passes a ``batch``: each dataset's
files are stored and its entry staged in ``build/.catalog/pending/<batch>/``, and ``finish``
writes one version with all of them (the site and DCAT catalog once per run, not once per
dataset). Until then the live version is untouched, so a run that dies midway publishes
nothing of itself, and a re-run converges.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opendata.build import Build
from publish.base import Change, FileOutcome, PublishResult
from publish.local_dcat import base_url, dcat_record, write_dcat
from publish.site import write_site

CATALOG_JSON = "catalog.json"
KEEP_VERSIONS = 2  # the live one and the one before it
STALE_PENDING_SECONDS = 24 * 3600  # a batch not finished by then belongs to a run that died

log = logging.getLogger(__name__)


class LocalCatalog:
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = root.parent / f".{root.name}"

    def publish(
        self, build: Build, *, run_id: str | None = None, dry_run: bool = False, batch: str | None = None
    ) -> PublishResult:
        slug = build.manifest.slug
        with self._locked(dry_run):
            catalog = self.read_catalog()
            previous = catalog["datasets"].get(slug)
            entry = catalog_entry(build, run_id, previous)
            old_hashes = {f["key"]: f["sha256"] for f in previous["files"]} if previous else {}
            changes: dict[str, Change] = {
                f.key: "created"
                if f.key not in old_hashes
                else ("unchanged" if old_hashes[f.key] == f.sha256 else "updated")
                for f in build.files
            }
            same_content = previous is not None and previous["content_hash"] == entry["content_hash"]
            if same_content and previous is not None:
                entry["provenance"] = previous["provenance"]  # it describes the content: keep it
            metadata_same = previous is not None and previous == entry
            overall: Change = (
                "created"
                if previous is None
                else ("unchanged" if metadata_same and (self.root / slug).is_dir() else "updated")
            )
            # The DCAT files name the catalog's base URL: a new OPENDATA_CATALOG_BASE_URL is a new version.
            moved = catalog.get("base_url") != base_url(self.root)
            if not dry_run and (overall != "unchanged" or moved):
                self._store_files(slug, entry["content_hash"], build)
                if batch is not None:
                    self._stage(batch, slug, entry)
                else:
                    self._go_live(catalog, {slug: entry})
        files = [FileOutcome(f.key, changes[f.key], (self.root / slug / f.path.name).as_uri()) for f in build.files]
        return PublishResult(slug, self.name, overall, (self.root / slug).as_uri(), build.row_count, files, dry_run)

    def finish(self, batch: str) -> list[str]:
        """One new version with every dataset the batch staged (none staged: nothing written)."""
        pending = self._pending(batch)
        if not pending.is_dir():
            return []
        with self._locked():
            entries = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(pending.glob("*.json"))}
            if entries:
                self._go_live(self.read_catalog(), entries)
            shutil.rmtree(pending, ignore_errors=True)
        return [f"catalog: {len(entries)} dataset(s) made live in one version"] if entries else []

    def _go_live(self, catalog: dict[str, Any], entries: dict[str, dict[str, Any]]) -> None:
        catalog["datasets"].update(entries)
        catalog["base_url"] = base_url(self.root)
        version = self._write_version(catalog)
        self._swap(version)
        self._collect_garbage()

    def _pending(self, batch: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in batch)
        return self.store / "pending" / safe

    def _stage(self, batch: str, slug: str, entry: dict[str, Any]) -> None:
        """The entry ``finish`` will put into the catalog, written whole (temporary file, rename)."""
        folder = self._pending(batch)
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{slug}.json.new"
        partial.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
        partial.replace(folder / f"{slug}.json")

    def read_catalog(self) -> dict[str, Any]:
        path = self.root / CATALOG_JSON
        if not path.exists():
            return {"datasets": {}}
        return json.loads(path.read_text(encoding="utf-8"))

    @contextmanager
    def _locked(self, dry_run: bool = False) -> Iterator[None]:
        """Deployments may publish datasets in parallel processes: one writer at a time.

        A dry run only reads, and writes nothing, not even the lock file."""
        if dry_run:
            yield
            return
        self.store.mkdir(parents=True, exist_ok=True)
        with (self.store / ".lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _data_folder(self, slug: str, content_hash: str) -> Path:
        return self.store / "data" / slug / content_hash

    def _store_files(self, slug: str, content_hash: str, build: Build) -> None:
        """Step 1: the dataset's files in their own folder, named by content (reused if there)."""
        folder = self._data_folder(slug, content_hash)
        if folder.is_dir():
            return
        names = [f.path for f in build.files] + [build.directory / "validation-report.md"]
        _copy_into_new_folder(folder, names)

    def _write_version(self, catalog: dict[str, Any]) -> Path:
        """Step 2: a complete version folder: catalog.json, the pages, one folder per dataset."""
        catalog["datasets"] = dict(sorted(catalog["datasets"].items()))
        versions = self.store / "versions"
        versions.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}"
        staging = versions / f".{name}.new"
        staging.mkdir()
        try:
            for slug, entry in catalog["datasets"].items():
                data = self._data_folder(slug, entry["content_hash"])
                if not data.is_dir():
                    self._import_live(slug, data)
                (staging / slug).mkdir()
                for path in sorted(data.iterdir()):  # hard links: real folders, no bytes copied
                    os.link(path, staging / slug / path.name)
            (staging / CATALOG_JSON).write_text(json.dumps(catalog, ensure_ascii=False, indent=2) + "\n", "utf-8")
            write_pages(catalog, staging, url_root=self.root, cache=self.store / "cache")
            os.replace(staging, versions / name)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return versions / name

    def _import_live(self, slug: str, data: Path) -> None:
        """A dataset published by an older layout (real folders): copy its live files over once."""
        live = self.root / slug
        if not live.is_dir():
            raise FileNotFoundError(f"{live}: the files of '{slug}' listed in {CATALOG_JSON} are missing")
        _copy_into_new_folder(data, sorted(p for p in live.iterdir() if p.is_file()))

    def _swap(self, version: Path) -> None:
        """Step 3, the only one readers notice: the catalog link points at the new version."""
        link = self.root.parent / f".{self.root.name}.link"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(os.path.relpath(version, self.root.parent))
        if self.root.is_dir() and not self.root.is_symlink():  # an older layout: move it aside once
            os.replace(self.root, self.store / f"legacy-{version.name}")
        os.replace(link, self.root)

    def _collect_garbage(self) -> None:
        """Step 4: drop versions but the newest few, and data folders no kept version links to."""
        try:
            versions = sorted(p for p in (self.store / "versions").iterdir() if not p.name.startswith("."))
            kept = versions[-KEEP_VERSIONS:]
            for old in versions[:-KEEP_VERSIONS]:
                shutil.rmtree(old)
            used = {
                (slug, entry["content_hash"])
                for v in kept
                for slug, entry in json.loads((v / CATALOG_JSON).read_text(encoding="utf-8"))["datasets"].items()
            }
            used |= self._staged_data()
            for folder in (self.store / "data").glob("*/*"):
                if (folder.parent.name, folder.name) not in used:
                    shutil.rmtree(folder)
            for legacy in self.store.glob("legacy-*"):
                shutil.rmtree(legacy)
        except OSError as exc:  # the new version is live; leftovers go on the next run
            log.warning("local catalog: could not remove old versions (%s); the next run retries", exc)

    def _staged_data(self) -> set[tuple[str, str]]:
        """Data folders that batches of other runs still stand to publish (stale batches dropped)."""
        staged: set[tuple[str, str]] = set()
        for folder in sorted((self.store / "pending").glob("*")):
            if time.time() - folder.stat().st_mtime > STALE_PENDING_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)
                continue
            for path in folder.glob("*.json"):
                staged.add((path.stem, json.loads(path.read_text(encoding="utf-8"))["content_hash"]))
        return staged


def write_pages(catalog: dict[str, Any], folder: Path, *, url_root: Path, cache: Path | None = None) -> None:
    """The one hook that writes a version's catalog-wide files into ``folder``: the DCAT catalog,
    then the site (its index links catalog.rdf). URLs name ``url_root``, the stable path
    readers use, never the version folder; ``cache`` keeps drawn charts across versions."""
    write_dcat(folder, catalog, _write_text, url_root=url_root)
    write_site(folder, catalog, portal_url=os.environ.get("OPENDATA_PORTAL_URL"), cache=cache)


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _copy_into_new_folder(folder: Path, files: list[Path]) -> None:
    """``folder`` with copies of ``files``, appearing whole (staged, then one rename)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f".{folder.name}.new"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        for path in files:
            shutil.copyfile(path, staging / path.name)
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def catalog_entry(build: Build, run_id: str | None, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """The dataset's entry in catalog.json; ``previous`` keeps the dates of unchanged content."""
    m = build.manifest
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    old_dates = (previous or {}).get("dates", {})
    same = previous is not None and previous.get("content_hash") == build.content_hash
    dates = {
        "first_published": old_dates.get("first_published", now),
        "content_changed": old_dates.get("content_changed", now) if same else now,
    }
    issued, modified = (datetime.fromisoformat(dates[k]) for k in ("first_published", "content_changed"))
    return {
        "title": m.title.root,
        "language": m.language,
        "description": m.description.root,
        "license": {"id": m.license, "title": m.license_title, "uri": m.license_uri},
        "publisher": m.publisher.model_dump(exclude_none=True),
        "contact": m.contact.model_dump(),
        "themes": list(m.themes),
        "keywords": m.keywords,
        "frequency": m.frequency,
        "schedule": m.schedule.model_dump(),
        "sample_data": m.sample_data,
        "attribution": m.attribution,
        "charts": [c.model_dump(mode="json", exclude_defaults=True) for c in m.charts],
        "row_count": build.row_count,
        "content_hash": build.content_hash,
        "files": [
            {"key": f.key, "path": f"{m.slug}/{f.path.name}", "format": f.format, "sha256": f.sha256, "bytes": f.bytes}
            for f in build.files
        ],
        "provenance": {**build.provenance, "flow_run_id": run_id},
        "dates": dates,
        "dcat": dcat_record(build, issued, modified),
    }
