"""The validation report: errors as data, written as JSON (machines) and Markdown (people).

Each error names the row as the steward sees it in the source file, the column (schema
field and source header), the value, the rule it broke and a sentence saying what was
expected. The report holds no timestamps, so the same input gives the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_SHOWN = 200  # errors written out in full; the count is always exact


@dataclass(frozen=True)
class CellError:
    rule: str  # e.g. "type", "required", "enum", "maximum", "primary-key", "missing-column"
    message: str
    row: int | None = None  # row/line in the source file (None: the whole file or a column)
    column: str | None = None  # schema field name
    source_column: str | None = None  # header in the source file, when it differs
    value: str | None = None


@dataclass
class ValidationReport:
    dataset: str
    source: str
    schema: str
    row_count: int
    row_word: str = "row"  # "row" for sheets, "line" for text files
    errors: list[CellError] = field(default_factory=list)
    engine: str = "frictionless"
    warnings: list[CellError] = field(default_factory=list)  # published anyway (opendata.doubtful)

    @property
    def valid(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.valid:
            return f"{self.dataset}: valid, {self.row_count} rows"
        first = self.errors[0]
        where = _where(first, self.row_word)
        others = len(self.errors) - 1
        more = f" (and {others} more error{'s' if others > 1 else ''})" if others else ""
        return (
            f"{self.dataset}: {len(self.errors)} error(s) in {self.source}; nothing was published. "
            f"First: {where}: {first.message}{more}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "valid": self.valid,
            "source": self.source,
            "schema": self.schema,
            "engine": self.engine,
            "row_count": self.row_count,
            "error_count": len(self.errors),
            "errors": [{k: v for k, v in asdict(e).items() if v is not None} for e in self.errors[:MAX_SHOWN]],
            **(
                {
                    "warning_count": len(self.warnings),
                    "warnings": [
                        {k: v for k, v in asdict(e).items() if v is not None} for e in self.warnings[:MAX_SHOWN]
                    ],
                }
                if self.warnings
                else {}
            ),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def _warnings_markdown(self) -> str:
        return _warnings_section(self)

    def to_markdown(self) -> str:
        head = f"# Validation of `{self.dataset}`\n\nSource: `{self.source}`  \nSchema: `{self.schema}`\n\n"
        if self.valid:
            return head + f"**Valid**: {self.row_count} rows, no errors.\n" + self._warnings_markdown()
        lines = [
            head + f"**Invalid**: {len(self.errors)} error(s) in {self.row_count} rows. Nothing was published.\n",
            f"| {self.row_word.capitalize()} | Column | Value | Rule | What was expected |",
            "|---|---|---|---|---|",
        ]
        for e in self.errors[:MAX_SHOWN]:
            column = e.column or ""
            if e.source_column and e.source_column != e.column:
                column = f"{column} ({e.source_column})"
            lines.append(
                f"| {e.row if e.row is not None else ''} | {_md(column)} | {_md(e.value or '')} "
                f"| {e.rule} | {_md(e.message)} |"
            )
        if len(self.errors) > MAX_SHOWN:
            lines.append(f"\n… and {len(self.errors) - MAX_SHOWN} more errors (the JSON report counts them all).")
        return "\n".join(lines) + "\n"


def _warnings_section(report: ValidationReport) -> str:
    if not report.warnings:
        return ""
    lines = [
        f"\n**Warnings**: {len(report.warnings)}.\n",
        f"| {report.row_word.capitalize()} | Column | Value | What happens |",
        "|---|---|---|---|",
    ]
    for e in report.warnings[:MAX_SHOWN]:
        lines.append(f"| {e.row if e.row is not None else ''} | {_md(e.source_column or e.column or '')} "
                     f"| {_md(e.value or '')} | {_md(e.message)} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def _where(error: CellError, row_word: str) -> str:
    parts = []
    if error.row is not None:
        parts.append(f"{row_word} {error.row}")
    if error.column:
        parts.append(f"column '{error.source_column or error.column}'")
    return ", ".join(parts) or "file"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
