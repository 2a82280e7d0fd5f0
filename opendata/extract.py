"""Extraction: fetch every source of a dataset, archive what was read, or replay the archive.

A dataset reads its ``source`` and the source of each ``join``; each is one archive unit
(``source``, ``join-<name>``). Where the bytes come from depends on:

- ``replay=True`` (``opendata publish --replay``): every unit from its latest snapshot;
- the manifest's ``replay`` for sources that need a network (files are always read):
  ``never`` fetch, fail if the source fails (the Prefect task retries transient failures);
  ``fallback`` fetch, and if the source is unreachable (timeout, connection refused, 5xx
  after the retries) replay the latest snapshot and say so;
  ``always`` never contact the source (e.g. while the archived snapshot is sample data
  that a live answer would contradict).

A replayed snapshot says so (``RawSnapshot.replayed``); ``replay_note`` turns that into the
sentence the CLI summary and the flow log print.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from opendata.archive import Archive
from opendata.errors import TransientSourceError
from opendata.paths import ensure_outside_datasets
from opendata.settings import settings
from opendata.sources import RawSnapshot, source_for
from opendata.sources.base import SourceSettingsBase

if TYPE_CHECKING:
    from opendata.manifest import Manifest

ARCHIVE_ENV = "OPENDATA_ARCHIVE"


def archive_root(project_root: Path) -> Path:
    """Where runs archive raw snapshots: $OPENDATA_ARCHIVE, else ``<project>/archive``."""
    env = settings().archive
    root = env.resolve() if env else project_root / "archive"
    return ensure_outside_datasets(root, project_root / "datasets", "archive", ARCHIVE_ENV)


def archive_for(manifest: Manifest) -> Archive:
    """The dataset's archive: runtime snapshots, plus those shipped in ``datasets/<slug>/archive``."""
    return Archive(archive_root(manifest.folder.parent.parent) / manifest.slug, manifest.folder / "archive")


def extract(
    manifest: Manifest, *, replay: bool = False, archive: Archive | None = None, record: bool = True
) -> RawSnapshot:
    """The dataset's raw snapshot, joined lookups attached, each archived or replayed.

    ``record=False`` reads the source without archiving it: for a candidate file that a
    steward validates (``opendata validate --source``), which is not an extraction of the dataset.
    """
    archive = archive or archive_for(manifest)
    main = _unit(manifest, "source", manifest.source, replay, archive, record)
    lookups = {j.name: _unit(manifest, f"join-{j.name}", j.source, replay, archive, record) for j in manifest.join}
    return replace(main, lookups=lookups) if lookups else main


def replay_note(raw: RawSnapshot, detailed: bool = False) -> str | None:
    """'replayed from archive 2026-11-25 (sample snapshot)', per replayed unit; None if none was."""
    notes = []
    for label, unit in [("", raw), *((f"join {name}: ", r) for name, r in raw.lookups.items())]:
        if unit.replayed:
            text = f"{label}replayed from archive {unit.retrieved_at:%Y-%m-%d}"
            extras = (["sample snapshot"] if unit.sample else []) + ([unit.replayed] if detailed else [])
            if detailed and unit.snapshot_id:
                extras.append(f"snapshot {unit.snapshot_id}")
            notes.append(text + (f" ({'; '.join(extras)})" if extras else ""))
    return "; ".join(notes) or None


def _unit(
    manifest: Manifest, unit: str, settings: SourceSettingsBase, replay: bool, archive: Archive, record: bool = True
) -> RawSnapshot:
    source = source_for(settings)
    mode = "always" if replay else (manifest.replay if source.needs_network else "never")
    if mode == "always":
        return archive.replay(unit, "--replay was given" if replay else "the manifest says replay: always", record)
    previous = archive.latest(unit) if source.needs_network else None
    try:
        raw = source.extract(settings, manifest.folder, previous=previous)
    except TransientSourceError as exc:
        if mode == "fallback" and previous is not None:
            return archive.replay(unit, f"the source did not answer: {exc}", record)
        raise
    raw = _relative(raw, manifest.folder.parent.parent)
    return archive.store(unit, raw) if record else raw


def _relative(raw: RawSnapshot, root: Path) -> RawSnapshot:
    """A local path is shown relative to the project, never the machine's folders."""
    if raw.origin.startswith(str(root) + "/"):
        return replace(raw, origin=raw.origin[len(str(root)) + 1 :])
    return raw
