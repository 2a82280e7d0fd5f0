"""What every target returns, so the flows and the CLI can report on any of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from opendata.build import Build

Change = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class FileOutcome:
    key: str
    change: Change
    url: str


@dataclass(frozen=True)
class PublishResult:
    slug: str
    target: str
    change: Change  # of the dataset as a whole
    url: str
    rows: int
    files: list[FileOutcome] = field(default_factory=list)
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Target(Protocol):
    """A place datasets are published to. ``publish`` must be idempotent.

    ``batch`` names a run that publishes several datasets (``publish-all``): a target may then
    stage each dataset and do its catalog-wide work once, in ``finish(batch)``, instead of once
    per dataset. Without a batch, ``publish`` leaves the dataset live when it returns."""

    name: str

    def publish(
        self, build: Build, *, run_id: str | None = None, dry_run: bool = False, batch: str | None = None
    ) -> PublishResult: ...

    def finish(self, batch: str) -> list[str]:
        """Make what ``publish(batch=...)`` staged live; returns notes for the run's summary."""
        ...
