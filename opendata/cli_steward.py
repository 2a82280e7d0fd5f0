"""The steward's commands: ``new`` (scaffold a dataset from a file), ``status`` and ``history``.

Registered on the ``opendata`` app at the end of opendata.cli. Light like ``validate``: no Prefect import;
``status`` reads Prefect's REST API only when a server is known, and never starts one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from opendata.cli import _fail, _root, _short, console
from opendata.errors import OpendataError

if TYPE_CHECKING:
    from opendata.manifest import Manifest


def print_todo(manifest: Manifest) -> None:
    """Texts `opendata new` left to write (publish refuses until they are), and prefect.yaml kept in step."""
    from flows import deployments as generator
    from opendata.scaffold import missing_texts
    from opendata.settings import project_root
    from opendata.table_schema import load_schema

    missing = missing_texts(manifest, load_schema(manifest.schema_path).descriptor)
    if missing:
        console.print(
            f"[yellow]Still to write before `opendata publish {manifest.slug}` (replace each TODO):[/yellow]",
            highlight=False,
        )
        for item in missing:
            console.print(f"  {escape(item)}", highlight=False)
    try:  # kept in step where the project has deployments; validate never creates the file
        yaml_file = project_root() / "prefect.yaml"
        if (
            yaml_file.is_file()
            and not generator.in_step_for(project_root(), manifest)
            and generator.check(project_root())
        ):
            console.print(f"Regenerated {_short(generator.write(project_root()).as_uri())} (the manifests changed)")
    except OpendataError:
        pass  # another dataset's manifest is broken: `opendata deployments --check` names it


def undescribed_datasets(slugs: list[str]) -> list[str]:
    """A dataset scaffolded by `opendata new` is not published while a TODO text remains."""
    from opendata.manifest import load_manifest
    from opendata.scaffold import describe_missing
    from opendata.table_schema import load_schema, verdicts_not_recorded

    out = []
    for name in slugs:
        try:
            manifest = load_manifest(_root() / name)
            with verdicts_not_recorded():  # a check before the run: it leaves nothing behind
                sentence = describe_missing(manifest, load_schema(manifest.schema_path).descriptor)
        except OpendataError:
            continue  # the flow reports a broken manifest or schema, with the others' results
        if sentence:
            out.append(sentence)
    return out


def new(
    slug: Annotated[str, typer.Argument(help="the new dataset's name: lowercase letters, digits and '-'")],
    from_: Annotated[Path, typer.Option("--from", help="the steward's file: a CSV export or an .xlsx workbook")],
    sheet: Annotated[str | None, typer.Option(help="the workbook's sheet (when it has several)")] = None,
    publisher: Annotated[
        str | None, typer.Option(help="whose dataset it is (publishers/<id>.yaml); needed when there are several")
    ] = None,
) -> None:
    """Scaffold a dataset from a file: manifest, Table Schema and column mapping, dialect declared."""
    from opendata.scaffold import scaffold
    from opendata.settings import project_root

    try:
        made = scaffold(project_root(), slug, from_, sheet, publisher)
    except OpendataError as exc:
        raise _fail(str(exc)) from None
    dialect = ", ".join(f"{k}: {v!r}" for k, v in made.source.items() if k not in ("type", "path"))
    console.print(f"Wrote {_short(made.manifest_path.as_uri())}", highlight=False)
    console.print(f"      {_short(made.schema_path.as_uri())} ({made.fields} fields)", highlight=False)
    console.print(f"      {_short(made.source_path.as_uri())} ({made.rows} rows)", highlight=False)
    console.print(f"Detected and declared: {made.source['type']}, {dialect}", highlight=False, soft_wrap=True)
    if made.primary_key:
        console.print(f"Primary key candidate: {', '.join(made.primary_key)}", highlight=False)
    console.print(_deployments_after_new(project_root()), highlight=False, soft_wrap=True)
    console.print(
        "Next: replace every TODO in the two files (titles in English, descriptions), then run\n"
        f"  opendata validate {slug}",
        highlight=False,
    )


def _deployments_after_new(project: Path) -> str:
    from flows import deployments as generator

    try:
        path = generator.write(project)
    except OpendataError as exc:
        return f"prefect.yaml not regenerated ({exc}); run `opendata deployments --write` once that is fixed"
    return f"Regenerated {_short(path.as_uri())} (the new dataset's schedule)"


def status() -> None:
    """Per dataset: the last run (when, valid or not, published where, what changed) and the next one."""
    from opendata.manifest import discover, load_manifest
    from opendata.status import describe_change, next_run, runs

    api, prefect_note = _prefect_for_status()
    table = Table("dataset", "last run (UTC)", "result", "published / why", "next run", title="Runs")
    table.columns[3].overflow = "fold"
    try:
        folders = discover(_root())
    except OpendataError as exc:
        raise _fail(str(exc)) from None
    for folder in folders:
        try:
            m = load_manifest(folder)
        except OpendataError:
            table.add_row(folder.name, "", "[red]manifest broken[/red]", "see `opendata list`", "")
            continue
        recorded = runs(m)
        last = recorded[0] if recorded else None
        next_at = f"{next_run(m):%Y-%m-%d %H:%M}"
        result = "[dim]never run[/dim]"
        if last:
            style = {"valid": "green", "invalid": "red", "failed": "red"}[last.result]
            result = f"[{style}]{last.result}[/{style}]"
        where = f"{last.target}: {describe_change(last)}" if last and last.valid else (last.where if last else "")
        if last and last.valid and last.where:
            where += f" {_short(last.where)}"
        if api:
            where += _prefect_line(api, m.slug)
        table.add_row(m.slug, last.at[:16].replace("T", " ") if last else "", result, escape(where), next_at)
    console.print(table)
    console.print(prefect_note, highlight=False, soft_wrap=True)


def _prefect_for_status() -> tuple[str | None, str]:
    from flows.run_status import known_api_url

    api = known_api_url()
    if api is None:
        return (
            None,
            "No Prefect server known (PREFECT_API_URL unset, no local server running): runs are from the archive log.",
        )
    return api, f"Runs from the archive log; Prefect's view from {api}."


def _prefect_line(api: str, slug: str) -> str:
    import urllib.error

    from flows.run_status import dataset_runs

    try:
        seen = dataset_runs(api, slug)
    except urllib.error.HTTPError as exc:
        return f" [Prefect at {api} refused the query: HTTP {exc.code}]"
    except (OSError, ValueError):
        return f" [Prefect at {api} did not answer]"
    parts = []
    if seen.last_state:
        parts.append(f"Prefect: last {seen.last_state} {str(seen.last_start or '')[:16]}")
    if seen.next_scheduled:
        parts.append(f"scheduled {str(seen.next_scheduled)[:16]}")
    return f" [{'; '.join(parts)}]" if parts else " [Prefect: no runs of its deployment yet]"


def history(
    slug: str,
    limit: Annotated[int, typer.Option(help="how many runs to show, newest first")] = 10,
) -> None:
    """The last runs of one dataset: when, valid or not, published where, what changed."""
    from opendata.manifest import load_manifest
    from opendata.scaffold import check_slug
    from opendata.status import describe_change, runs

    try:
        manifest = load_manifest(_root() / check_slug(slug))
    except OpendataError as exc:
        raise _fail(str(exc)) from None
    recorded = runs(manifest)
    if not recorded:
        console.print(f"{slug}: no run recorded yet; `opendata publish {slug}` makes the first", highlight=False)
        return
    table = Table("when (UTC)", "result", "target", "what changed / why", "source snapshot", title=f"Runs of {slug}")
    table.columns[3].overflow = "fold"
    for run in recorded[:limit]:
        style = {"valid": "green", "invalid": "red", "failed": "red"}[run.result]
        table.add_row(
            run.at[:19].replace("T", " "), f"[{style}]{run.result}[/{style}]", run.target,
            escape(describe_change(run)), run.snapshot or "",
        )  # fmt: skip
    console.print(table)
