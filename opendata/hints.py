"""Hints for a steward's usual mistakes: each names the setting that fixes it.

Called from few places: the decoder (mojibake), the CSV parser (delimiter), the schema
loader (keys of the Table Schema standard), prepare (column names) and ``build.validate``
(``refine``: one decimal-comma hint instead of one error per cell, a key repeat reported
once, a ``header_row`` suggestion when the first rows are titles).
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from opendata.detect import DELIMITERS, header_row, number_dialect, split

if TYPE_CHECKING:
    from opendata.manifest import Manifest
    from opendata.report import CellError, ValidationReport
    from opendata.sources.base import ParsedTable
    from opendata.table_schema import TableSchema

_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc]")


def did_you_mean(word: str, options: list[str] | set[str]) -> str:
    """ " (did you mean 'Latitud'?)", or "" when nothing is close."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    if not close:
        lowered = {o.lower(): o for o in options}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    return f" (did you mean '{close[0]}'?)" if close else ""


# --- encoding --------------------------------------------------------------------------


def mojibake(content: bytes, encoding: str, text: str) -> str | None:
    """Why UTF-8 bytes declared as another encoding would publish 'FjÃ¤llrÃ¤ven'; None if not so.

    Also a file whose lines vanish when decoded (Windows-1252 bytes read as UTF-16)."""
    if b"\n" in content[:100_000] and "\n" not in text[:100_000]:
        from opendata.detect import guess_encoding

        return (
            f"read as {encoding}, the file has no line breaks; it looks like {guess_encoding(content)[0]}: "
            "set encoding: under source: to that"
        )
    if not any(b >= 0x80 for b in content[:1_000_000]):
        return None
    try:
        content.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        return None
    found = _MOJIBAKE.search(text)
    sample = text[max(0, found.start() - 12) : found.end() + 12].strip() if found else ""
    shown = f" ('{sample}')" if sample else ""
    return (
        f"the manifest says encoding: {encoding}, but the file looks like UTF-8: read as {encoding} "
        f"its letters would be published garbled{shown}; set encoding: utf-8 under source:"
    )


# --- delimiter -------------------------------------------------------------------------


def delimiter_hint(header_line: str, delimiter: str, lines: list[str] | None = None) -> str:
    """'; the header splits evenly by ';': set delimiter: ";" under source:' or ''."""
    rows = [header_line, *(lines or [])[:50]]
    for candidate in DELIMITERS:
        if candidate == delimiter:
            continue
        widths = {len(split(line, candidate)) for line in rows if line.strip()}
        if len(widths) == 1 and widths.pop() > 1:
            return f"; the lines split evenly by {candidate!r}: set delimiter: {candidate!r} under source:"
    return ""


# --- the Table Schema standard ---------------------------------------------------------
# Keys of https://datapackage.org/standard/table-schema/ (v2, which keeps v1's), so a typo
# ('titel', 'descripton') is an error instead of a silently lost title.
SCHEMA_KEYS = {
    "$schema", "fields", "primaryKey", "foreignKeys", "missingValues", "uniqueKeys", "fieldsMatch",
    "name", "title", "description", "profile",
}  # fmt: skip
FIELD_KEYS = {
    "name", "title", "description", "type", "format", "example", "constraints", "rdfType",
    "missingValues", "categories", "categoriesOrdered", "trueValues", "falseValues",
    "decimalChar", "groupChar", "bareNumber", "arrayItem",
    "unit",  # this project's extension: the unit shown in the data dictionary and on the site
}  # fmt: skip
CONSTRAINT_KEYS = {
    "required", "unique", "minLength", "maxLength", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "pattern", "enum", "jsonSchema",
}  # fmt: skip


def _unknown(keys: Any, allowed: set[str], where: str) -> list[str]:
    if not isinstance(keys, dict):
        return []
    return [
        f"{where} has the unknown key '{k}'{did_you_mean(k, allowed)}; allowed: {', '.join(sorted(allowed))}"
        for k in keys
        if k not in allowed
    ]


def schema_key_problems(descriptor: Any) -> list[str]:
    """Keys the Table Schema standard does not define, at the top, in fields and constraints."""
    problems = _unknown(descriptor, SCHEMA_KEYS, "the schema")
    for i, field in enumerate(descriptor.get("fields") or [] if isinstance(descriptor, dict) else []):
        name = field.get("name", f"#{i + 1}") if isinstance(field, dict) else f"#{i + 1}"
        problems += _unknown(field, FIELD_KEYS, f"field '{name}'")
        if isinstance(field, dict):
            problems += _unknown(field.get("constraints"), CONSTRAINT_KEYS, f"field '{name}', constraints,")
    return problems


# --- after validation ------------------------------------------------------------------


def refine(report: ValidationReport, manifest: Manifest, parsed: ParsedTable, schema: TableSchema) -> None:
    """Turn the report's many symptoms of one mistake into one error naming the setting."""
    report.errors = _one_key_error_per_row(report.errors, schema.primary_key)
    report.errors = _number_dialect(report.errors, manifest, schema)
    missing = [e for e in report.errors if e.rule == "missing-column"]
    if missing:
        hint = _header_hint(manifest, parsed)
        if hint:  # the wrong row (or delimiter) was read as the header: one error says so
            columns = ("missing-column", "extra-column")
            first = replace(missing[0], message=missing[0].message + hint)
            report.errors = [first, *(e for e in report.errors if e.rule not in columns)]


def _one_key_error_per_row(errors: list[CellError], key: list[str]) -> list[CellError]:
    """A repeated one-field primary key that is also ``unique``: one error, not two."""
    if len(key) != 1:
        return errors
    rows = {e.row for e in errors if e.rule == "primary-key"}
    return [e for e in errors if not (e.rule == "unique" and e.column == key[0] and e.row in rows)]


def _number_dialect(errors: list[CellError], manifest: Manifest, schema: TableSchema) -> list[CellError]:
    from opendata.sources.csv_file import CsvDialect

    source = manifest.source
    if not isinstance(source, CsvDialect):
        return errors
    declared = (source.decimal, source.thousands)
    numeric = set(schema.numeric_fields)
    by_field: dict[str, list[CellError]] = defaultdict(list)
    for e in errors:
        if e.rule == "type" and e.column in numeric and e.value:
            by_field[e.column].append(e)
    cells: list[CellError] = []
    decimals: set[str] = set()
    groups: set[str] = set()
    for found_in in by_field.values():
        found = number_dialect([e.value or "" for e in found_in])
        if found is not None and found != declared and found != (".", ""):
            cells += found_in
            decimals.add(found[0])
            groups.add(found[1])
    if not cells:
        return errors
    settings = [f'decimal: "{d}"' for d in sorted(decimals) if d != source.decimal]
    settings += [f'thousands: "{g}"' for g in sorted(groups) if g and g != source.thousands]
    columns = ", ".join(repr(c) for c in dict.fromkeys(e.source_column or e.column or "" for e in cells))
    example = next((e for e in cells if "," in (e.value or "")), cells[0])
    hint = replace(
        example,
        rule="number-format",
        message=f"{len(cells)} cell(s) in column(s) {columns} are numbers written with a decimal comma or a "
        f"thousands separator (e.g. {example.value!r}); add {' and '.join(settings)} under source: in the manifest",
    )
    return [hint, *(e for e in errors if e not in cells)]


def _header_hint(manifest: Manifest, parsed: ParsedTable) -> str:
    """'; the column names look like row 3: set header_row: 3' when the header read is a title."""
    source = manifest.source
    declared = getattr(source, "header_row", None)
    if declared is None:
        return ""
    header = parsed.table.column_names
    if len(header) == 1 and hasattr(source, "delimiter"):
        hint = delimiter_hint(header[0], source.delimiter)
        if hint:
            return hint
    rows = _leading_rows(manifest)
    if not rows:
        return ""
    found = header_row(rows)
    if found != declared:
        return f"; the column names look like they are on row {found}: set header_row: {found} under source:"
    return ""


def _leading_rows(manifest: Manifest) -> list[list[str]]:
    """The first rows of a local file source, as text (for the header_row hint only)."""
    from opendata.detect import decode_guessed

    source = manifest.source
    path = getattr(source, "path", None)
    if path is None:
        return []
    file = manifest.folder / path
    try:
        if source.type == "excel":
            from openpyxl import load_workbook

            from opendata.sources.excel import cell_text

            book = load_workbook(file, read_only=True, data_only=True)
            sheet = book[source.sheet]
            rows = [[cell_text(v) for v in row] for row in sheet.iter_rows(max_row=50, values_only=True)]
            book.close()
            return rows
        with file.open("rb") as handle:
            text = decode_guessed(handle.read(200_000))
        return [split(line, getattr(source, "delimiter", ",")) for line in text.splitlines()[:50]]
    except Exception:  # a hint is best effort: the error it would decorate is reported anyway
        return []
