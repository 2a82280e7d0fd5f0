"""The steps of one dataset as Prefect tasks. Retries only where a network is involved."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows import artifacts
from flows.limits import portal_slot
from flows.progress import notify
from opendata import build
from opendata.build import Build
from opendata.errors import TransientPublishError, TransientSourceError
from opendata.manifest import Manifest
from opendata.prepare import PreparedTable
from opendata.report import ValidationReport
from opendata.sources import ParsedTable, RawSnapshot
from publish.base import BatchTarget, PublishResult, Target
from publish.guard import guard_shrink

TRANSIENT = (TransientSourceError, TransientPublishError)


def transient_only(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a timeout or a 5xx; never a deterministic error such as invalid data."""
    error = state.data if isinstance(state.data, BaseException) else None
    if error is None:
        try:
            error = state.result(raise_on_failure=False)
        except Exception:  # the result may not be retrievable: do not retry blindly
            return False
    return isinstance(error, TRANSIENT)


def artifact_key(slug: str, what: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes."""
    return f"{slug}-{what}".lower()


@task(
    name="extract", retries=3, retry_delay_seconds=[2, 10, 30], retry_condition_fn=transient_only, cache_policy=NO_CACHE
)
def extract(manifest: Manifest, replay: bool = False, record: bool = True) -> RawSnapshot:
    notify(manifest.slug, "extract")
    return build.extract(manifest, replay=replay, record=record)


@task(name="validate", cache_policy=NO_CACHE)
def validate(manifest: Manifest, raw: RawSnapshot) -> tuple[PreparedTable, ValidationReport]:
    notify(manifest.slug, "validate")
    parsed: ParsedTable = build.parse(manifest, raw)
    prepared, report = build.validate(manifest, parsed)
    create_markdown_artifact(
        key=artifact_key(manifest.slug, "validation"),
        markdown=report.to_markdown(),
        description=artifacts.version_mark(report),
    )
    if not report.valid:  # the errors as rows to sort (flows/artifacts.py)
        artifacts.validation_table(report)
    return prepared, report


@task(name="convert", cache_policy=NO_CACHE)
def convert(
    manifest: Manifest, prepared: PreparedTable, report: ValidationReport, raw: RawSnapshot, directory: str
) -> Build:
    from pathlib import Path

    notify(manifest.slug, "convert")
    return build.convert(manifest, prepared, report, raw, Path(directory))


@task(name="publish", retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=transient_only, cache_policy=NO_CACHE)
def publish(
    target: Target,
    built: Build,
    run_id: str | None,
    dry_run: bool,
    batch: str | None = None,
    allow_shrink: bool = False,
) -> PublishResult:
    """The shrink guard first (a version that would wipe or cut the published rows is refused,
    opendata.shrink), then the target. One task, not two: a task run costs the API a few calls."""
    notify(built.manifest.slug, "publish")
    guard_shrink(target, built, allow=allow_shrink)
    with portal_slot(target):
        result = target.publish(built, run_id=run_id, dry_run=dry_run, batch=batch)
    return result


@task(
    name="publish-catalog",
    retries=2,
    retry_delay_seconds=[5, 30],
    retry_condition_fn=transient_only,
    cache_policy=NO_CACHE,
)
def publish_catalog(target: BatchTarget, batch: str) -> list[str]:
    """The run's catalog-wide step: what ``publish`` staged for the batch goes live at once."""
    return target.finish(batch)
