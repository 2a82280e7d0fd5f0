"""What ran, from the raw archive: per dataset the last run and the next one the schedule fires.

Every run of the publish flow appends one line to ``<archive>/<slug>/runs.jsonl`` (when,
valid or not, published where, what changed; opendata.archive). A steward reads them with
``opendata status`` and ``opendata history SLUG`` without Prefect; the CLI adds what a
Prefect server knows when one is known (flows.run_status).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from opendata.extract import archive_for
from opendata.manifest import Manifest


@dataclass(frozen=True)
class Run:
    at: str
    valid: bool | None  # None: the run failed before validation said anything
    target: str
    change: str  # created, updated, unchanged; invalid; failed
    where: str  # the published URL, or why it stopped
    snapshot: str | None
    source_changed: bool | None  # a new source snapshot since the run before it

    @property
    def result(self) -> str:
        return {True: "valid", False: "invalid", None: "failed"}[self.valid]


def next_run(manifest: Manifest, now: datetime | None = None) -> datetime:
    """The next time the manifest's cron fires, in its time zone."""
    from cronsim import CronSim

    zone = ZoneInfo(manifest.schedule.timezone)
    return next(CronSim(manifest.schedule.cron, (now or datetime.now(zone)).astimezone(zone)))


def runs(manifest: Manifest) -> list[Run]:
    """The dataset's recorded runs, newest first."""
    out: list[Run] = []
    previous: str | None = None
    for entry in archive_for(manifest).runs():
        out.append(_run(entry, previous))
        if entry.get("snapshot"):
            previous = entry["snapshot"]
    return out[::-1]


def _run(entry: dict[str, Any], previous_snapshot: str | None) -> Run:
    valid = entry.get("valid")
    snapshot = entry.get("snapshot")
    if valid is True:
        change, where = str(entry.get("change", "")), str(entry.get("url", ""))
    else:
        change = "invalid" if valid is False else "failed"
        where = str(entry.get("message", ""))
    changed = None if snapshot is None or previous_snapshot is None else snapshot != previous_snapshot
    return Run(str(entry.get("at", "")), valid, str(entry.get("target", "")), change, where, snapshot, changed)


def last_extraction(manifest: Manifest) -> dict[str, Any] | None:
    """The newest line of the source's extraction log (archived, unchanged, replayed)."""
    events = archive_for(manifest).events("source")
    return events[-1] if events else None


def describe_change(run: Run) -> str:
    """'updated (new source data)', 'unchanged (same source data)', 'invalid: 3 error(s) ...'."""
    if run.valid is not True:
        return run.where
    if run.source_changed is None:
        return run.change
    return f"{run.change} ({'new' if run.source_changed else 'same'} source data)"
