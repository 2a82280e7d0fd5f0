"""``opendata new``: a dataset's manifest, schema and column mapping from one steward's file.

The dialect is guessed here once (opendata.detect) and written *declared* in the manifest;
types and keys come from opendata.infer. Texts no program can know (titles in English,
descriptions) are written as ``TODO: ...``: ``validate`` lists them and ``publish`` refuses
the dataset until each is written (``missing_texts``).
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from opendata.detect import CsvGuess, guess_csv, header_row
from opendata.errors import ManifestError, OpendataError
from opendata.infer import TODO, field_name, infer_schema
from opendata.manifest import MANIFEST_FILE, SLUG_PATTERN, Manifest
from opendata.sources.base import ParsedTable, RawSnapshot
from opendata.sources.text import read_local

EXCEL_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class Scaffold:
    manifest_path: Path
    schema_path: Path
    source_path: Path
    source: dict[str, Any]  # the declared dialect
    rows: int
    fields: int
    primary_key: list[str]


def check_slug(slug: str) -> str:
    """A slug is a name (lowercase letters, digits, '-'), never a path."""
    if not re.fullmatch(SLUG_PATTERN, slug):
        raise ManifestError(
            f"'{slug}' is not a dataset slug: use 3-100 lowercase letters, digits and '-' "
            "(no '/', no '.'), e.g. publik-wifi; it becomes the dataset's name on the portal"
        )
    return slug


def _file_name(path: Path) -> str:
    """The copy's name in source/: the file's own name made safe (no folders, no spaces)."""
    stem = field_name(path.stem).replace("_", "-")
    return f"{stem}{path.suffix.lower()}"


def _parse_csv(guess: CsvGuess, raw: RawSnapshot) -> ParsedTable:
    from opendata.sources.csv_file import CsvDialect, parse_with_dialect

    dialect = CsvDialect(
        delimiter=guess.delimiter, encoding=guess.encoding, bom=guess.bom,
        decimal=guess.decimal, thousands=guess.thousands, header_row=guess.header_row,  # type: ignore[arg-type]
    )  # fmt: skip
    return parse_with_dialect(dialect, raw)


def _excel(raw: RawSnapshot, sheet: str | None, relative: str) -> tuple[dict[str, Any], ParsedTable]:
    import io
    import zipfile

    from opendata.sources.excel import ExcelSettings, ExcelSource, cell_text

    try:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(raw.content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise OpendataError(f"{raw.origin}: not a readable .xlsx workbook ({exc})") from None
    names = list(book.sheetnames)
    if sheet is None:
        if len(names) > 1:
            raise OpendataError(
                f"{raw.origin} has {len(names)} sheets ({', '.join(names)}); choose one with --sheet NAME"
            )
        sheet = names[0]
    if sheet not in names:
        raise OpendataError(f"{raw.origin}: no sheet named '{sheet}'; the workbook has: {', '.join(names)}")
    rows = [[cell_text(v) for v in row] for row in book[sheet].iter_rows(max_row=50, values_only=True)]
    book.close()
    source: dict[str, Any] = {"type": "excel", "path": relative, "sheet": sheet, "header_row": header_row(rows)}
    settings = ExcelSettings.model_validate(source)
    return source, ExcelSource().parse(settings, raw)


def _csv(raw: RawSnapshot, relative: str) -> tuple[dict[str, Any], ParsedTable]:
    guess = guess_csv(raw.content)
    source: dict[str, Any] = {"type": "csv", "path": relative, "delimiter": guess.delimiter}
    source["encoding"] = guess.encoding
    if guess.bom:
        source["bom"] = True
    if guess.decimal != ".":
        source["decimal"] = guess.decimal
    if guess.thousands:
        source["thousands"] = guess.thousands
    if guess.header_row != 1:
        source["header_row"] = guess.header_row
    return source, _parse_csv(guess, raw)


def scaffold(project: Path, slug: str, file: Path, sheet: str | None = None, publisher: str | None = None) -> Scaffold:
    """Write datasets/<slug>/dataset.yaml, its source/ copy and schemas/<slug>.schema.json.

    ``publisher``: the publisher's id; may be left out when publishers/ holds only one."""
    check_slug(slug)
    owner = _publisher(project, publisher)
    folder = project / "datasets" / slug
    schema_path = project / "schemas" / f"{slug}.schema.json"
    for existing in (folder / MANIFEST_FILE, schema_path):
        if existing.exists():
            raise ManifestError(f"{existing} already exists; choose another slug or remove it first")
    raw = read_local(file.resolve())
    relative = f"source/{_file_name(file)}"
    if file.suffix.lower() in EXCEL_SUFFIXES:
        source, parsed = _excel(raw, sheet, relative)
    else:
        if sheet is not None:
            raise OpendataError(f"{file}: --sheet is for Excel workbooks (.xlsx), and this is not one")
        source, parsed = _csv(raw, relative)
    headers = list(parsed.table.column_names)
    columns = [[str(v) for v in parsed.table.column(h).to_pylist()] for h in headers]
    schema = infer_schema(headers, columns, source.get("decimal", "."), source.get("thousands", ""))
    names = [f["name"] for f in schema["fields"]]
    (folder / "source").mkdir(parents=True, exist_ok=True)
    if file.resolve() != (folder / relative).resolve():
        shutil.copyfile(file, folder / relative)
    schema_path.parent.mkdir(parents=True, exist_ok=True)
    schema_path.write_text(_schema_json(schema), encoding="utf-8")
    manifest_text = manifest_yaml(slug, source, dict(zip(headers, names, strict=True)), owner)
    (folder / MANIFEST_FILE).write_text(manifest_text, encoding="utf-8")
    return Scaffold(
        folder / MANIFEST_FILE, schema_path, folder / relative, source, parsed.table.num_rows,
        len(names), list(schema.get("primaryKey", [])),
    )  # fmt: skip


def _schema_json(schema: dict[str, Any]) -> str:
    """One field per line block, readable and diffable."""
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def _publisher(project: Path, chosen: str | None) -> tuple[str | None, str]:
    """(publisher id, main language): the one asked for, or the only one there is."""
    from opendata.publishers import load_publisher, publishers_dir

    folder = publishers_dir(project / "datasets")
    known = sorted(p.stem for p in folder.glob("*.yaml"))
    if chosen is None and len(known) > 1:
        raise ManifestError(f"there are several publishers ({', '.join(known)}): say whose dataset it is (--publisher)")
    if chosen is None and not known:
        return None, "sv"  # an older project without publishers/: datasets/_defaults.yaml has them
    pid = chosen or known[0]
    return pid, load_publisher(folder, pid, folder).language


PROMPTS = {
    "sv": ("skriv datamängdens titel", "beskriv datamängden: vad en rad är, var uppgifterna kommer ifrån"),
    "nb": ("skriv datasettets tittel", "beskriv datasettet: hva en rad er, hvor tallene kommer fra"),
}


def manifest_yaml(
    slug: str, source: dict[str, Any], columns: dict[str, str], owner: tuple[str | None, str] = (None, "sv")
) -> str:
    def block(data: Any) -> str:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100).rstrip()

    pid, lang = owner
    title, about = PROMPTS.get(lang, PROMPTS["sv"])
    head = f"publisher: {pid}\n" if pid else ""
    return f"""\
# Written by `opendata new {slug}`. Replace every TODO, then `opendata validate {slug}`.
# The publisher's values (licence, language, contact) come from publishers/<id>.yaml, shared
# ones (schedule) from datasets/_defaults.yaml; any can be overridden here.
{head}title:
  {lang}: "{TODO}: {title}"
  en: "{TODO}: write the dataset's title"
description:
  {lang}: "{TODO}: {about}"
  en: "{TODO}: describe the dataset: what one row is, where the figures come from"
themes: [GOVE]          # EU data themes: EDUC, TECH, GOVE, ENVI, TRAN, ... (docs: README)
frequency: IRREG        # how often it changes: ANNUAL, QUARTERLY, MONTHLY, IRREG, ...
# The file as it is written (detected once by `opendata new`; runs read exactly this):
{block({"source": source})}
# The file's headers -> the schema's field names (schemas/{slug}.schema.json):
{block({"columns": columns})}
"""


def missing_texts(manifest: Manifest, schema: dict[str, Any]) -> list[str]:
    """Every text still marked TODO: 'title.en in dataset.yaml', "field 'lat': description"."""
    out: list[str] = []
    for key in ("title", "description"):
        for lang, text in getattr(manifest, key).root.items():
            if text.startswith(TODO):
                out.append(f"{key}.{lang} in {MANIFEST_FILE}")
    for key in ("title", "description"):
        if str(schema.get(key, "")).startswith(TODO):
            out.append(f"the schema's {key}")
    for f in schema.get("fields", []):
        for key in ("title", "description"):
            if not str(f.get(key, "")).strip() or str(f.get(key, "")).startswith(TODO):
                out.append(f"field '{f.get('name')}': {key}")
    return out


def describe_missing(manifest: Manifest, schema: dict[str, Any]) -> str | None:
    """The sentence that stops a publish while texts are missing; None when all are written."""
    missing = missing_texts(manifest, schema)
    if not missing:
        return None
    shown = "; ".join(missing[:8]) + (f" (and {len(missing) - 8} more texts)" if len(missing) > 8 else "")
    return (
        f"{manifest.slug}: not published until it is described: write the TODO texts in "
        f"{manifest.folder / MANIFEST_FILE} and {manifest.schema_path}: {shown}"
    )
