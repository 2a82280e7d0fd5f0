"""What a flow run of one dataset ends with: one typed, frozen record, whatever the state.

``publish_dataset`` returns it, ``publish_all`` collects one per dataset, the CLI prints them.
A dict would let a key be misspelled in one of the three places without anyone noticing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from opendata.errors import OpendataError, ValidationFailed
from publish.base import FileOutcome, PublishResult

# "published": a run on another worker completed (flows/fan_out.py); its change is in that run.
Status = Literal["created", "updated", "unchanged", "published", "invalid", "failed"]
FAILED: frozenset[Status] = frozenset({"invalid", "failed"})


@dataclass(frozen=True)
class Outcome:
    slug: str
    status: Status
    rows: int | None
    url: str = ""
    message: str = ""  # why it failed, or what a reader should know (dry run, replayed)
    target: str = ""
    dry_run: bool = False
    replayed: str = ""  # the archive snapshot a replay read, in words; empty for a live run
    files: tuple[FileOutcome, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.status in FAILED

    @classmethod
    def published(cls, result: PublishResult, replayed: str = "") -> Outcome:
        notes = ["dry run" if result.dry_run else "", replayed]
        return cls(
            result.slug,
            result.change,
            result.rows,
            result.url,
            "; ".join(n for n in notes if n),
            result.target,
            result.dry_run,
            replayed,
            tuple(result.files),
            tuple(result.notes),
        )

    @classmethod
    def from_error(cls, slug: str, error: object) -> Outcome:
        """A failed run: invalid data (with its row count), an expected error, or a bug (named)."""
        if isinstance(error, ValidationFailed):
            return cls(slug, "invalid", error.report.row_count, message=str(error))
        if isinstance(error, OpendataError):
            return cls(slug, "failed", None, message=str(error))
        return cls(slug, "failed", None, message=f"{type(error).__name__}: {error}")


def failed_slugs(outcomes: Iterable[Outcome]) -> list[str]:
    """The datasets whose run failed, invalid or not: the one filter the flow and the CLI share."""
    return [o.slug for o in outcomes if o.failed]
