"""The raw archive: every extraction's bytes, kept as received, with where and when.

The municipality must be able to show what a published figure was computed from, and a
run must be repeatable without the source (replay). So every fetch is archived before it
is parsed: one folder per snapshot, holding the bytes of each response (byte for byte,
as many parts as the source needed) and ``snapshot.json`` with the source URL or path,
the time, the HTTP validators (ETag, Last-Modified) and SHA-256 of every part.

    <root>/<unit>/<YYYYmmddTHHMMSSZ>-<sha12>/snapshot.json, 001-data.json, ...
    <root>/<unit>/log.jsonl      one line per extraction: archived, unchanged, replayed
    <root>/runs.jsonl            one line per run: when, valid or not, published where, what changed

``unit`` is ``source`` for a dataset's source and ``join-<name>`` for a joined lookup.
Identical bytes are stored once (the log still records each extraction). Two roots are
read: the runtime archive (written by runs, see ``docs/sources.md``) and the snapshots
shipped in the repository (``datasets/<slug>/archive/``, read-only), newest first.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opendata import limits
from opendata.errors import SourceError
from opendata.sources.base import RawPart, RawSnapshot, utc_now
from opendata.sources.text import stream_local

FORMAT = "opendata-raw-snapshot/1"
SNAPSHOT_FILE = "snapshot.json"
LOG_FILE = "log.jsonl"
RUNS_FILE = "runs.jsonl"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class Archive:
    """Snapshots of one dataset: ``runtime`` is written, ``shipped`` only read."""

    def __init__(self, runtime: Path, shipped: Path | None = None) -> None:
        self.runtime = runtime
        self.shipped = shipped

    def store(self, unit: str, raw: RawSnapshot, *, sample: bool = False, note: str | None = None) -> RawSnapshot:
        """Archive ``raw`` (unless the newest snapshot has the same bytes); return it with its id."""
        newest = self._newest(unit)
        if newest is not None and _read_meta(newest)["sha256"] == raw.sha256:
            meta = _read_meta(newest)
            self.log(unit, "not-modified" if raw.not_modified else "unchanged", meta["id"], raw.origin)
            return replace(raw, snapshot_id=meta["id"], sample=bool(meta.get("sample")))
        snapshot_id = f"{raw.retrieved_at.astimezone(UTC):%Y%m%dT%H%M%SZ}-{raw.sha256[:12]}"
        final = self.runtime / unit / snapshot_id
        if not final.exists():
            staging = self.runtime / unit / f".{snapshot_id}.{os.getpid()}.tmp"
            if staging.exists():
                shutil.rmtree(staging)
            staging.mkdir(parents=True)
            meta = _write_parts(staging, raw, snapshot_id, unit, sample, note)
            text = json.dumps(meta, ensure_ascii=False, indent=2) + "\n"
            (staging / SNAPSHOT_FILE).write_text(text, encoding="utf-8")
            try:
                os.replace(staging, final)
            except OSError:
                if not final.exists():  # another process archived the same bytes meanwhile: fine
                    raise
                shutil.rmtree(staging)
        self.log(unit, "archived", snapshot_id, raw.origin)
        return replace(raw, snapshot_id=snapshot_id, sample=sample)

    def latest(self, unit: str) -> RawSnapshot | None:
        """The newest snapshot of ``unit`` in either root, its bytes checked against SHA-256."""
        newest = self._newest(unit)
        return load_snapshot(newest) if newest is not None else None

    def replay(self, unit: str, reason: str, record: bool = True) -> RawSnapshot:
        """The newest snapshot, marked as replayed for ``reason``; a clear error if there is none."""
        raw = self.latest(unit)
        if raw is None:
            places = " or ".join(str(p / unit) for p in (self.runtime, self.shipped) if p is not None)
            raise SourceError(
                f"no archived snapshot to replay ({reason}): nothing in {places}; run once without replay first"
            )
        if record:  # a dry run replays without writing to the archive's log
            self.log(unit, "replayed", raw.snapshot_id or "", raw.origin, reason)
        return replace(raw, replayed=reason)

    def log(self, unit: str, event: str, snapshot_id: str, origin: str, note: str | None = None) -> None:
        entry = {"at": utc_now().isoformat(), "event": event, "snapshot": snapshot_id, "origin": origin}
        if note:
            entry["note"] = note
        (self.runtime / unit).mkdir(parents=True, exist_ok=True)
        with (self.runtime / unit / LOG_FILE).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def record_run(self, entry: dict[str, Any]) -> None:
        """One line per run of the dataset (``opendata status`` and ``history`` read them)."""
        self.runtime.mkdir(parents=True, exist_ok=True)
        line = {"at": utc_now().isoformat(), **entry}
        with (self.runtime / RUNS_FILE).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")

    def runs(self) -> list[dict[str, Any]]:
        """The recorded runs, oldest first; a damaged line is skipped, not fatal."""
        return _jsonl(self.runtime / RUNS_FILE)

    def events(self, unit: str = "source") -> list[dict[str, Any]]:
        """The extraction log of ``unit``, oldest first."""
        return _jsonl(self.runtime / unit / LOG_FILE)

    def snapshots(self, unit: str) -> list[Path]:
        """Every snapshot folder of ``unit``, oldest first; the runtime copy wins a tie."""
        found: dict[str, Path] = {}
        for root in (self.shipped, self.runtime):
            if root is not None and (root / unit).is_dir():
                for folder in (root / unit).iterdir():
                    if (folder / SNAPSHOT_FILE).is_file() and not folder.name.startswith("."):
                        found[folder.name] = folder
        return [found[name] for name in sorted(found)]

    def _newest(self, unit: str) -> Path | None:
        folders = self.snapshots(unit)
        return folders[-1] if folders else None


def load_snapshot(folder: Path) -> RawSnapshot:
    """A snapshot folder back into a RawSnapshot, exactly as it was fetched."""
    meta = _read_meta(folder)
    parts = []
    if meta["has_content"] and not meta["has_parts"] and len(meta["parts"]) == 1:
        large = _streamed(folder, meta)
        if large is not None:
            return large
    for p in meta["parts"]:
        try:
            content = (folder / p["file"]).read_bytes()
        except OSError as exc:
            raise SourceError(f"{folder}: archived part {p['file']} cannot be read: {exc.strerror}") from None
        part = RawPart(
            p["name"],
            content,
            p["url"],
            p["media_type"],
            _time(p["retrieved_at"]),
            dict(p.get("validators", {})),
            p.get("status"),
            dict(p.get("links", {})),
        )
        if part.sha256 != p["sha256"]:
            raise SourceError(f"{folder}: archived part {p['file']} does not match its SHA-256; the archive is damaged")
        parts.append(part)
    raw = RawSnapshot(
        content=parts[0].content if meta["has_content"] else b"",
        origin=meta["origin"],
        media_type=meta["media_type"],
        retrieved_at=_time(meta["retrieved_at"]),
        validators=dict(meta.get("validators", {})),
        parts=tuple(parts) if meta["has_parts"] else (),
        snapshot_id=meta["id"],
        sample=bool(meta.get("sample")),
    )
    if raw.sha256 != meta["sha256"]:
        raise SourceError(f"{folder}: the snapshot does not match its SHA-256; the archive is damaged")
    return raw


def _streamed(folder: Path, meta: dict[str, Any]) -> RawSnapshot | None:
    """A large archived CSV file as a streamed snapshot (by its path), its SHA-256 checked."""
    path = folder / meta["parts"][0]["file"]
    if meta["media_type"] != "text/csv" or not path.is_file() or path.stat().st_size <= limits.STREAM_BYTES.value:
        return None
    raw = stream_local(path, meta["media_type"])
    if raw.sha256 != meta["sha256"]:
        raise SourceError(f"{folder}: the snapshot does not match its SHA-256; the archive is damaged")
    return replace(
        raw, origin=meta["origin"], retrieved_at=_time(meta["retrieved_at"]),
        validators=dict(meta.get("validators", {})), snapshot_id=meta["id"], sample=bool(meta.get("sample")),
    )  # fmt: skip


def _write_parts(
    folder: Path, raw: RawSnapshot, snapshot_id: str, unit: str, sample: bool, note: str | None
) -> dict[str, Any]:
    parts = raw.parts or (
        RawPart(
            Path(raw.origin).name or "content",
            raw.content,
            raw.origin,
            raw.media_type,
            raw.retrieved_at,
            dict(raw.validators),
        ),
    )
    described: list[dict[str, Any]] = []
    for i, part in enumerate(parts):
        file = _UNSAFE.sub("_", part.name) or f"part-{i:03d}"
        if file in (SNAPSHOT_FILE, LOG_FILE) or any(d["file"] == file for d in described):
            file = f"{i:03d}-{file}"
        streamed = raw.file is not None and not raw.parts  # a large file: copied, never held
        if streamed:
            shutil.copyfile(raw.file, folder / file)  # type: ignore[arg-type]
        else:
            (folder / file).write_bytes(part.content)
        described.append(
            {
                "name": part.name,
                "file": file,
                "url": part.url,
                "media_type": part.media_type,
                "retrieved_at": part.retrieved_at.isoformat(),
                "status": part.status,
                "validators": part.validators,
                "links": part.links,
                "bytes": (folder / file).stat().st_size if streamed else len(part.content),
                "sha256": raw.sha256 if streamed else part.sha256,
            }
        )
    meta: dict[str, Any] = {
        "format": FORMAT,
        "id": snapshot_id,
        "unit": unit,
        "origin": raw.origin,
        "media_type": raw.media_type,
        "retrieved_at": raw.retrieved_at.isoformat(),
        "validators": raw.validators,
        "sha256": raw.sha256,
        "has_content": bool(raw.content) or not raw.parts,
        "has_parts": bool(raw.parts),
        "sample": sample,
    }
    if note:
        meta["note"] = note
    meta["parts"] = described
    return meta


def _read_meta(folder: Path) -> dict[str, Any]:
    try:
        meta = json.loads((folder / SNAPSHOT_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SourceError(f"{folder / SNAPSHOT_FILE}: cannot read the archived snapshot: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise SourceError(f"{folder / SNAPSHOT_FILE}: not a snapshot in the format {FORMAT}")
    return meta


def _jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            out.append(entry)
    return out


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)
