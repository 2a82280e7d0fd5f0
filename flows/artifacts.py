"""What a steward reads on a flow run's Artifacts tab: validation, publication, failure.

Markdown artifacts are for reading. An invalid version also gets its errors as a table
artifact, rows a steward can sort and copy into a spreadsheet; a valid one does not (its
table would repeat the Markdown's one line, and every artifact is a request the server
records: 12 fewer a run of the six bundled datasets). Keys are per dataset
(``<slug>-<what>``), so the Artifacts page also keeps each dataset's history, one version
per run.
"""

from __future__ import annotations

from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.outcomes import Outcome
from opendata.errors import OpendataError, ValidationFailed
from opendata.report import MAX_SHOWN, ValidationReport


def artifact_key(slug: str, what: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes."""
    return f"{slug}-{what}".lower()


def validation_rows(report: ValidationReport) -> list[dict[str, Any]]:
    """One row per error (row, column, value, rule, expectation)."""
    rows: list[dict[str, Any]] = []
    for e in report.errors[:MAX_SHOWN]:
        column = e.column or ""
        if e.source_column and e.source_column != e.column:
            column = f"{column} ({e.source_column})"
        rows.append(
            {
                report.row_word: e.row if e.row is not None else "",
                "column": column,
                "value": e.value or "",
                "rule": e.rule,
                "what was expected": e.message,
            }
        )
    return rows


def version_mark(report: ValidationReport) -> str:
    """An artifact version's description: VALID or INVALID first, so the list of versions
    (`prefect artifact inspect <slug>-validation`, the UI) reads as a run history."""
    return f"{'VALID' if report.valid else 'INVALID'} | {report.summary()}"[:500]


def validation_table(report: ValidationReport) -> None:
    create_table_artifact(
        key=artifact_key(report.dataset, "validation-table"),
        table=validation_rows(report),
        description=version_mark(report),
    )


def explain(error: BaseException | None, fallback: str) -> str:
    """The reason of a failure in plain words, with what a steward can do about it."""
    if isinstance(error, ValidationFailed):
        r = error.report
        return (
            f"**The data broke its schema, so nothing was published.** The portal still shows the "
            f"last good version.\n\n{error}\n\nEvery error (row, column, what was expected) is in the "
            f"artifact `{artifact_key(r.dataset, 'validation')}` of this run. Correct the source file "
            f"`{r.source}` and run again, or check it first with `opendata validate {r.dataset}`.\n"
        )
    if isinstance(error, OpendataError):
        return (
            f"**The run stopped; nothing new was published.** The portal still shows the last good "
            f"version.\n\n{error}\n\nFix what the message names and run the deployment again.\n"
        )
    what = f"{type(error).__name__}: {error}" if error is not None else fallback
    return (
        f"**The run failed on an unexpected error.** This is probably a bug or an outage, not a "
        f"problem with the data: send this run's link to the developers.\n\n`{what}`\n\n"
        f"The log of this run has the details.\n"
    )


def failure_hook(flow: Any, flow_run: Any, state: Any) -> None:
    """``on_failure`` hook: a Markdown artifact saying why the run failed, in plain words.

    A hook (not a try/except in the flow) sees every way a flow fails, including the failed
    state ``publish_all`` returns when some datasets failed, and leaves the flow bodies alone.
    """
    try:
        data = state.result(raise_on_failure=False)
    except Exception:  # the result may be unavailable; the state message still says why
        data = None
    if isinstance(data, list):  # publish_all: the outcome of every dataset
        failed = [o for o in data if isinstance(o, Outcome) and o.failed]
        others = "; the others went through" if len(failed) < len(data) else ""
        body = (
            f"**{len(failed)} of {len(data)} dataset(s) failed**{others}. Each failed dataset's own "
            "run (a subflow of this one) has an artifact saying why.\n\n"
            "| Dataset | Result | Why |\n|---|---|---|\n"
        )
        body += "".join(f"| {o.slug} | {o.status} | {_cell(o.message)} |\n" for o in failed)
    else:
        body = explain(data if isinstance(data, BaseException) else None, state.message or "unknown error")
    slug = (flow_run.parameters or {}).get("slug") or flow.name
    create_markdown_artifact(
        key=artifact_key(slug, "failure"),
        markdown=f"# Why `{flow_run.name}` failed\n\n{body}",
        description=(state.message or "failed")[:500],
    )


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")
