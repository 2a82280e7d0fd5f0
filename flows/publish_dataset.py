"""Flows: ``publish_dataset`` (one dataset) and ``publish_all`` (every bundled dataset).

One dataset's failure does not stop the others; ``publish_all`` ends Failed and names them.
"""

from __future__ import annotations

import tempfile
import uuid
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.objects import State
from prefect.runtime import flow_run
from prefect.states import Completed, Failed

from flows import artifacts, fan_out, tasks
from flows.limits import dataset_slot
from flows.outcomes import Outcome, failed_slugs
from flows.secrets import target_token
from opendata.build import write_report
from opendata.errors import ManifestError, OpendataError, ValidationFailed
from opendata.extract import archive_for, replay_note
from opendata.manifest import Manifest, dataset_folder, discover, load_manifest
from opendata.scaffold import describe_missing
from opendata.settings import build_root, datasets_dir
from opendata.table_schema import load_schema, verdicts_not_recorded
from publish.base import BatchTarget, PublishResult, Target
from publish.targets import make_target, resolve_name, target_info


@flow(name="publish-dataset", flow_run_name="publish-{slug}", log_prints=False)
def publish_dataset(
    slug: str,
    target: str = "auto",
    dry_run: bool = False,
    replay: bool = False,
    allow_shrink: bool = False,
    batch: str | None = None,
) -> Outcome:
    """Extract, validate, convert and publish one dataset; invalid data stops before any target.

    ``replay`` reads the latest archived raw snapshot instead of the source (see docs/sources.md).
    ``dry_run`` archives nothing and builds in a temporary folder. ``allow_shrink`` lets a version
    with fewer rows than ``expect`` allows through (opendata.shrink). ``batch`` is set by
    ``publish-all``: the target may stage the dataset and make the run's datasets live together.
    """
    with verdicts_not_recorded() if dry_run else nullcontext():  # a dry run writes nothing
        manifest = load_manifest(dataset_folder(datasets_dir(), slug))
        _described(manifest)
    destination = make_target(target, build_root(), token=target_token(target))
    with dataset_slot(slug) if not dry_run else verdicts_not_recorded():  # one writer per dataset (flows/limits.py)
        return _publish(
            slug, manifest, destination, dry_run=dry_run, replay=replay, allow_shrink=allow_shrink, batch=batch
        )


def _publish(
    slug: str,
    manifest: Manifest,
    destination: Target,
    *,
    dry_run: bool,
    replay: bool,
    allow_shrink: bool,
    batch: str | None,
) -> Outcome:
    logger = get_run_logger()
    work = Path(tempfile.mkdtemp(prefix=f"opendata-dry-run-{slug}-")) if dry_run else build_root()
    raw = tasks.extract(manifest, replay=replay, record=not dry_run)
    replayed = replay_note(raw)
    if replayed:
        logger.warning("%s: %s", slug, replay_note(raw, detailed=True))
    prepared, report = tasks.validate(manifest, raw)
    if not report.valid:
        written = write_report(report, work / "reports" / slug)
        logger.error("%s\nFull report: %s", report.summary(), written[1])
        raise ValidationFailed(report)
    built = tasks.convert(manifest, prepared, report, raw, str(work / "work" / slug))
    batch = None if dry_run else batch
    result: PublishResult = tasks.publish(destination, built, _run_id(), dry_run, batch, allow_shrink)
    _publish_artifact(result)
    if not dry_run:
        archive_for(manifest).record_run(run_entry(result, result.target, _run_id(), raw.snapshot_id))
    logger.info("%s: %s on %s (%d rows)", slug, result.change, result.target, result.rows)
    return Outcome.published(result, replayed or "")


@flow(name="publish-all", log_prints=False)
def publish_all(
    slugs: list[str] | None = None,
    target: str = "auto",
    dry_run: bool = False,
    replay: bool = False,
    allow_shrink: bool = False,
) -> State[Any]:
    """Publish every dataset (or ``slugs``); the run fails, naming the failed ones, if any fail.

    The datasets are published as one batch: the target makes them live together at the end
    (the local catalog writes its site and DCAT files once per run, not once per dataset).
    """
    chosen = slugs or [p.name for p in discover(datasets_dir())]
    resolve_name(target)  # an unknown target fails the whole run before any dataset starts
    batched = not dry_run and target_info(target).batches  # the target has a per-run step (finish)
    batch = (_run_id() or uuid.uuid4().hex) if batched else None
    params = {"target": target, "dry_run": dry_run, "replay": replay, "allow_shrink": allow_shrink, "batch": batch}
    outcomes: list[Outcome] = []
    if fan_out.wanted():  # on a work pool: each dataset its own flow run, for any worker (flows/fan_out.py)
        outcomes = fan_out.run_each(chosen, params)
    else:
        for slug in chosen:
            outcomes.append(outcome(slug, publish_dataset(slug, **params, return_state=True)))
    if batch is not None:
        outcomes = _publish_catalog(target, batch, outcomes)
    failed = failed_slugs(outcomes)
    if failed:
        return Failed(message=f"{len(failed)} of {len(outcomes)} dataset(s) failed: {', '.join(failed)}", data=outcomes)
    return Completed(message=f"{len(outcomes)} dataset(s) published", data=outcomes)


def _publish_catalog(target: str, batch: str, outcomes: list[Outcome]) -> list[Outcome]:
    """The batch goes live; if it cannot, no dataset of the run did, and each outcome says why."""
    if all(o.failed for o in outcomes):
        return outcomes
    destination = make_target(target, build_root(), token=target_token(target))
    assert isinstance(destination, BatchTarget), f"{destination.name} declares batches but has no finish()"
    state = tasks.publish_catalog(destination, batch, return_state=True)
    if state.is_completed():
        return outcomes
    error = state.result(raise_on_failure=False)
    message = f"not published: the catalog could not be written ({error}); the last good version stays live"
    return [o if o.failed else replace(o, status="failed", message=message) for o in outcomes]


# Either flow ending Failed leaves a Markdown artifact saying why, in plain words.
publish_dataset.on_failure(artifacts.failure_hook)
publish_all.on_failure(artifacts.failure_hook)


def _described(manifest: Manifest) -> None:
    """A dataset scaffolded by `opendata new` is not published, scheduled or not, while a TODO is left."""
    sentence = describe_missing(manifest, load_schema(manifest.schema_path).descriptor)
    if sentence:
        raise ManifestError(sentence)


def record_failed_run(flow: Any, flow_run: Any, state: Any) -> None:
    """``on_failure`` hook: an invalid or refused run goes into the run log too (opendata status)."""
    params = flow_run.parameters or {}
    if params.get("dry_run"):
        return
    try:
        error = state.result(raise_on_failure=False)
        manifest = load_manifest(datasets_dir() / str(params.get("slug")))
    except Exception:  # no manifest to file the run under: the failure artifact still says why
        return
    if isinstance(error, OpendataError):
        archive_for(manifest).record_run(run_entry(error, str(params.get("target", "auto")), str(flow_run.id)))


publish_dataset.on_failure(record_failed_run)


def run_entry(
    outcome: PublishResult | OpendataError, target: str, run_id: str | None, snapshot: str | None = None
) -> dict[str, Any]:
    """What `opendata status` and `history` show of a run: valid or not, where, what changed."""
    entry: dict[str, Any] = {"run": run_id, "target": target}
    if isinstance(outcome, ValidationFailed):
        return {**entry, "valid": False, "errors": len(outcome.report.errors), "message": str(outcome)[:500]}
    if isinstance(outcome, OpendataError):
        return {**entry, "valid": None, "failed": True, "message": str(outcome)[:500]}
    return {
        **entry, "valid": True, "target": outcome.target, "change": outcome.change,
        "rows": outcome.rows, "url": outcome.url, "snapshot": snapshot,
    }  # fmt: skip


def outcome(slug: str, state: State[Any]) -> Outcome:
    """A dataset's outcome, whatever the state: what the CLI's table shows."""
    if state.is_completed():
        result = state.result()
        assert isinstance(result, Outcome)
        return result
    return Outcome.from_error(slug, state.result(raise_on_failure=False))


def _run_id() -> str | None:
    run_id = flow_run.get_id()
    return str(run_id) if run_id else None


def _publish_artifact(result: PublishResult) -> None:
    lines = [
        f"# Published `{result.slug}` to {result.target}: {result.change}",
        "",
        f"{result.rows} rows. [{result.url}]({result.url})",
        "",
        "| File | Change | Link |",
        "|---|---|---|",
    ]
    lines += [f"| {f.key} | {f.change} | [{f.url.rsplit('/', 1)[-1]}]({f.url}) |" for f in result.files]
    create_markdown_artifact(
        key=tasks.artifact_key(result.slug, "published"),
        markdown="\n".join(lines) + "\n",
        description=f"{result.slug}: {result.change}",
    )
