"""The local catalog: the embedded default target when no CKAN portal is configured.

``build/catalog/`` holds one folder per dataset with its published files, a machine-readable
``catalog.json``, the DCAT catalog (``catalog.rdf``, ``catalog.ttl``: publish/local_dcat.py)
and a small static site a person can open (``index.html``, one page per dataset:
``publish/site``). Publishing is idempotent and
atomic per dataset: unchanged content is not rewritten (same bytes, same hashes), and a
new version replaces the old folder in one rename, so a failure leaves the last good one.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opendata.build import Build
from publish.base import Change, FileOutcome, PublishResult
from publish.local_dcat import dcat_record, write_dcat
from publish.site import write_site

CATALOG_JSON = "catalog.json"


class LocalCatalog:
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def publish(self, build: Build, *, run_id: str | None = None, dry_run: bool = False) -> PublishResult:
        slug = build.manifest.slug
        with self._locked():
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
            if not dry_run and overall != "unchanged":
                if not same_content or not (self.root / slug).is_dir():
                    self._replace_folder(slug, build)
                catalog["datasets"][slug] = entry
                self._write_catalog(catalog)
            elif not dry_run:  # e.g. OPENDATA_CATALOG_BASE_URL changed: same data, new URLs
                write_dcat(self.root, catalog, _write_if_changed)
        files = [FileOutcome(f.key, changes[f.key], (self.root / slug / f.path.name).as_uri()) for f in build.files]
        return PublishResult(slug, self.name, overall, (self.root / slug).as_uri(), build.row_count, files, dry_run)

    def read_catalog(self) -> dict[str, Any]:
        path = self.root / CATALOG_JSON
        if not path.exists():
            return {"datasets": {}}
        return json.loads(path.read_text(encoding="utf-8"))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Deployments may publish datasets in parallel processes: one writer at a time."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _replace_folder(self, slug: str, build: Build) -> None:
        staging = self.root / f".{slug}.new"
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir()
        try:
            for f in build.files:
                shutil.copyfile(f.path, staging / f.path.name)
            shutil.copyfile(build.directory / "validation-report.md", staging / "validation-report.md")
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        target, old = self.root / slug, self.root / f".{slug}.old"
        if target.exists():
            os.replace(target, old)
        os.replace(staging, target)
        if old.exists():
            shutil.rmtree(old)

    def _write_catalog(self, catalog: dict[str, Any]) -> None:
        catalog["datasets"] = dict(sorted(catalog["datasets"].items()))
        # DCAT, then the site (its index links catalog.rdf), then catalog.json: if either
        # fails, catalog.json still holds the old entry and a re-run writes them again.
        write_dcat(self.root, catalog, _atomic_write)
        write_site(self.root, catalog, portal_url=os.environ.get("OPENDATA_PORTAL_URL"))
        _atomic_write(self.root / CATALOG_JSON, json.dumps(catalog, ensure_ascii=False, indent=2) + "\n")


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


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        _atomic_write(path, text)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
