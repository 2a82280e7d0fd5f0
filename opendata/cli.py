"""The ``opendata`` command: list, validate and publish datasets (typer + rich).

The one module of ``opendata`` that calls ``flows`` and ``publish``; everything a steward
types goes through here, and every expected failure is printed as a sentence, not a
traceback.
"""

from __future__ import annotations

if __name__ == "__main__":  # `python -m opendata.cli`: run the package's module, not a second copy of it
    from opendata.cli import main as _main_of_package  # (as __main__, cli_steward would import it again)

    _main_of_package()
    raise SystemExit(0)

import contextlib
import gc
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from opendata import __version__
from opendata.errors import OpendataError

if TYPE_CHECKING:
    from flows.outcomes import Outcome
    from opendata.manifest import Manifest
    from opendata.report import ValidationReport

# Everything heavier than typer and rich (manifests and their sources, the build steps,
# Prefect, the targets) is imported inside the commands that need it: `--help` and
# `--version` read no manifest, and `list`, `validate` and `deployments` never import Prefect.
app = typer.Typer(help="Publish municipal open data: validate, convert, publish.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)

STATUS_STYLE = {"created": "green", "updated": "green", "unchanged": "dim", "invalid": "red", "failed": "red"}


def _root() -> Path:
    from opendata.settings import datasets_dir

    return datasets_dir()


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _print_version(value: bool) -> None:
    if value:
        console.print(f"opendata {__version__}", highlight=False)
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="print the version and exit")
    ] = False,
) -> None:
    """Publish municipal open data: validate, convert, publish."""


@app.command("list")
def list_datasets() -> None:
    """List the bundled datasets and whether their manifests are valid."""
    table = Table("slug", "title (sv)", "source", "schedule", "sample", "manifest")
    from opendata.manifest import discover, load_manifest

    for folder in discover(_root()):
        try:
            m = load_manifest(folder)
        except OpendataError as exc:
            table.add_row(folder.name, "", "", "", "", f"[red]{escape(str(exc))}[/red]")
            continue
        sources = " + ".join([m.source.type, *(j.source.type for j in m.join)])
        table.add_row(
            m.slug,
            m.title.get(m.language),
            sources,
            m.schedule.cron,
            "yes" if m.sample_data else "no",
            "[green]ok[/green]",
        )
    console.print(table)


@app.command()
def validate(
    slug: str,
    source: Annotated[Path | None, typer.Option(help="validate this file instead of the manifest's source")] = None,
    replay: Annotated[
        bool, typer.Option("--replay", help="read the latest archived raw snapshot, not the source")
    ] = False,
) -> None:
    """Validate a dataset against its Table Schema. Exit 0 when valid, 1 when not."""
    if source is not None and replay:
        raise _fail("give --source or --replay, not both")
    from opendata import build
    from opendata.manifest import dataset_folder, load_manifest
    from opendata.settings import build_root

    try:
        reports = build_root() / "reports" / slug  # refused before anything is read if misplaced
        manifest = _with_source(load_manifest(dataset_folder(_root(), slug)), source)
        raw = build.extract(manifest, replay=replay, record=source is None)
        _, report = build.validate(manifest, build.parse(manifest, raw))
    except OpendataError as exc:
        raise _fail(str(exc)) from None
    from opendata.extract import replay_note

    if replay_note(raw):
        note = escape(replay_note(raw, detailed=True) or "")
        console.print(f"[yellow]{note}[/yellow]", highlight=False, soft_wrap=True)
    written = build.write_report(report, reports)
    _print_report(report)
    console.print(f"Report: {written[1]} (and .json)", highlight=False)
    print_todo(manifest)
    raise typer.Exit(0 if report.valid else 1)


@app.command()
def publish(
    slug: Annotated[str | None, typer.Argument(help="the dataset to publish")] = None,
    all_: Annotated[bool, typer.Option("--all", help="publish every bundled dataset")] = False,
    publisher: Annotated[
        str | None, typer.Option(help="publish every dataset of this publisher (publishers/<id>.yaml)")
    ] = None,
    target: Annotated[str, typer.Option(help="auto (CKAN when CKAN_URL is set, else local), local or ckan")] = "auto",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what would change, write nothing")] = False,
    replay: Annotated[
        bool, typer.Option("--replay", help="run from the latest archived raw snapshots, not the sources")
    ] = False,
    allow_shrink: Annotated[
        bool, typer.Option("--allow-shrink", help="publish even if a dataset loses more rows than its 'expect' allows")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="show Prefect's log lines")] = False,
) -> None:
    """Publish one dataset or all of them through the Prefect flows."""
    if bool(slug) == (all_ or bool(publisher)):
        raise _fail("give a dataset slug, or --all or --publisher (not both)")
    _quiet_prefect(verbose)
    from opendata.table_schema import verdicts_not_recorded

    # a dry run writes nothing, not even frictionless's verdict on a schema
    with verdicts_not_recorded() if dry_run else contextlib.nullcontext():
        _publish(slug, all_, publisher, target, dry_run, replay, allow_shrink, verbose)


def _publish(
    slug: str | None, all_: bool, publisher: str | None, target: str, dry_run: bool, replay: bool,
    allow_shrink: bool, verbose: bool,
) -> None:  # fmt: skip
    from flows.outcomes import failed_slugs
    from flows.prefect_api import PrefectUnavailable, ensure_api
    from opendata.manifest import dataset_folder, discover
    from publish.targets import resolve_name

    try:
        resolved = resolve_name(target)
        slugs = [dataset_folder(_root(), slug).name] if slug else [p.name for p in discover(_root())]
        if publisher:
            from opendata.publishers import datasets_of

            slugs = [s for s in slugs if s in datasets_of(_root(), publisher)]
    except OpendataError as exc:
        raise _fail(str(exc)) from None
    if slug and not (_root() / slug / "dataset.yaml").exists():
        raise _fail(f"no dataset '{slug}' (no {_root() / slug / 'dataset.yaml'}); see `opendata list`")
    undescribed = undescribed_datasets(slugs)
    if undescribed:
        raise _fail("\n".join(undescribed))
    try:
        api = ensure_api()
    except PrefectUnavailable as exc:
        raise _fail(str(exc), 1) from None
    if api.note:
        console.print(f"[dim]{escape(api.note)}[/dim]", highlight=False)
    console.print(
        f"Publishing {len(slugs)} dataset(s) to [bold]{resolved}[/bold]"
        + (" (dry run)" if dry_run else "")
        + (" from the raw archive (replay)" if replay else "")
    )
    outcomes = _run_flows(slugs, target, dry_run=dry_run, replay=replay, allow_shrink=allow_shrink, verbose=verbose)
    _print_summary(outcomes, resolved)
    if dry_run:
        _print_dry_run_details(outcomes)
    failed = failed_slugs(outcomes)
    if failed:
        raise _fail(f"{len(failed)} dataset(s) failed: {', '.join(failed)}", 1)


def _quiet_prefect(verbose: bool) -> None:
    """Prefect's console lines only with -v: the summary table says what happened, and why."""
    if verbose:
        return
    for name in ("", "_FLOW_RUNS", "_TASK_RUNS"):
        os.environ.setdefault(f"PREFECT_LOGGING_HANDLERS_CONSOLE{name}_LEVEL", "CRITICAL")


def _run_flows(
    slugs: list[str], target: str, *, dry_run: bool, replay: bool, allow_shrink: bool, verbose: bool
) -> list[Outcome]:
    """Run ``publish_all`` with a progress bar per dataset; Prefect's own failures become a sentence."""
    from rich.progress import BarColumn, Progress, TextColumn

    from flows.prefect_api import in_process_runs
    from flows.progress import STEPS, listening
    from flows.publish_dataset import publish_all

    gc.freeze()  # Prefect's and the targets' modules, loaded for good: not walked by every collection

    with Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(bar_width=20),
        TextColumn("{task.fields[step]}"),
        console=console,
        transient=False,
    ) as progress:
        bars = {s: progress.add_task(s, total=len(STEPS), step="waiting") for s in slugs}

        def on_step(name: str, step: str) -> None:
            if name in bars:
                progress.update(bars[name], completed=STEPS.index(step), step=step)

        try:
            with listening(on_step), in_process_runs():
                state = publish_all(
                    slugs=slugs,
                    target=target,
                    dry_run=dry_run,
                    replay=replay,
                    allow_shrink=allow_shrink,
                    return_state=True,
                )
            result = state.result(raise_on_failure=False)
        except Exception as exc:  # Prefect itself failed (its API, its database), not a dataset
            if verbose:
                raise
            raise _fail(_prefect_failure(exc), 1) from None
        if not isinstance(result, list):  # the flow itself failed before any dataset ran
            raise _fail(f"the run failed: {result}", 1)
        for o in result:
            progress.update(bars[o.slug], completed=len(STEPS), step=o.status)
    return result


def _prefect_failure(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    if "ephemeral" in first.lower():
        return (
            f"Prefect's temporary server did not start in time ({first}); set OPENDATA_PREFECT_START_TIMEOUT "
            "to more seconds, or unset OPENDATA_PREFECT_SERVER to keep this project's own server"
        )
    return f"Prefect could not run the flows: {first} (run again with -v for the details)"


@app.command()
def deployments(
    check: Annotated[bool, typer.Option("--check", help="exit 1 when prefect.yaml and the manifests disagree")] = False,
    write: Annotated[bool, typer.Option("--write", help="regenerate prefect.yaml from the manifests")] = False,
) -> None:
    """Prefect deployments (prefect.yaml) from the manifests' schedules: print, --check or --write."""
    from flows import deployments as generator
    from opendata.settings import project_root

    if check and write:
        raise _fail("give --check or --write (not both)")
    try:
        if check:
            problems = generator.check(project_root())
        elif write:
            path = generator.write(project_root())
        else:
            text = generator.generate(project_root())
    except OpendataError as exc:
        raise _fail(str(exc)) from None
    if check:
        if problems:
            err.print("prefect.yaml and the manifests disagree (fix: `opendata deployments --write`):", highlight=False)
            for line in problems:
                err.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(1)
        console.print("prefect.yaml agrees with the manifests")
    elif write:
        console.print(f"Wrote {path}", highlight=False)
    else:
        print(text, end="")


def _with_source(manifest: Manifest, source: Path | None) -> Manifest:
    if source is None:
        return manifest
    if not hasattr(manifest.source, "path"):
        raise OpendataError(f"--source works for file sources; '{manifest.slug}' reads from {manifest.source.type}")
    settings = manifest.source.model_copy(update={"path": str(source.resolve())})
    return manifest.model_copy(update={"source": settings})


def _print_report(report: ValidationReport) -> None:
    for w in report.warnings[:10]:
        where = f"{report.row_word} {w.row}, column '{w.source_column or w.column}'"
        console.print(f"[yellow]warning[/yellow]: {escape(where)}: {escape(w.value or '')}: {escape(w.message)}")
    if len(report.warnings) > 10:
        console.print(f"… and {len(report.warnings) - 10} more warnings (see the report file)")
    if report.valid:
        console.print(f"[green]valid[/green]: {report.dataset}, {report.row_count} rows")
        return
    table = Table(report.row_word, "column", "value", "rule", "what was expected", title=escape(report.summary()))
    for e in report.errors[:50]:
        column = e.source_column if e.source_column and e.source_column != e.column else (e.column or "")
        table.add_row(str(e.row or ""), escape(column), escape(e.value or ""), e.rule, escape(e.message))
    console.print(table)
    if len(report.errors) > 50:
        console.print(f"… and {len(report.errors) - 50} more errors (see the report file)")


def _print_summary(outcomes: list[Outcome], target: str) -> None:
    """A table that fits 80 columns (long cells wrap, never cut), then where to look."""
    table = Table("dataset", "result", "rows", "where / why", title=f"Published to {target}")
    table.columns[3].overflow = "fold"
    for o in outcomes:
        style = STATUS_STYLE.get(o.status, "")
        table.add_row(
            o.slug,
            f"[{style}]{o.status}[/{style}]",
            "" if o.rows is None else str(o.rows),
            escape(o.message or _short(o.url)),
        )
    console.print(table)
    console.print(f"Open: {_home(target)}", highlight=False, soft_wrap=True)


def _short(url: str) -> str:
    """A local file URL as a path relative to the current folder, when it is below it."""
    if not url.startswith("file://"):
        return url
    path = Path(url.removeprefix("file://"))
    try:
        return str(path.relative_to(Path.cwd())) + ("/" if url.endswith("/") else "")
    except ValueError:
        return str(path)


def _home(target: str) -> str:
    """The page a person opens after a run: the catalog's index.html, or the portal's dataset list."""
    from opendata.settings import settings
    from publish.targets import target_info

    home = target_info(target).home
    return _short(home(settings())) if home else ""


def _print_dry_run_details(outcomes: list[Outcome]) -> None:
    """Per file: what a real run would do (and the target's notes), nothing written."""
    verb = {"created": "would be created", "updated": "would be uploaded", "unchanged": "unchanged"}
    for o in outcomes:
        for f in o.files:
            console.print(f"  {o.slug}: {f.key} {verb.get(f.change, f.change)}", highlight=False)
        for note in o.notes:
            console.print(f"  {o.slug}: {escape(note)}", highlight=False)


def main() -> None:
    try:
        app()
    finally:
        # Whatever the command imported stays until the process ends: the collector need not
        # walk it again, neither now nor at exit (Prefect's objects: about 0.6 s of every
        # `opendata publish` at its end).
        gc.freeze()


# The steward's commands `new`, `status`, `history`, and what validate and publish ask of them.
from opendata import cli_steward  # noqa: E402
from opendata.cli_steward import print_todo, undescribed_datasets  # noqa: E402

for _command in (cli_steward.new, cli_steward.status, cli_steward.history):
    app.command()(_command)
