"""One dataset from source to files: extract, validate, convert. Pure steps, no orchestration.

The steps carry the names the README, the flow's tasks and the Prefect UI use:
``extract`` (opendata.extract: the source's bytes, archived), ``parse`` (the source module's
table of text; part of validate's input), ``validate``, ``convert``; a target then publishes.

``flows/`` wraps each step in a Prefect task; the CLI's ``validate`` calls them directly.
The build directory holds what a target publishes: data.csv, data.parquet, data.xlsx, schema.json,
datapackage.json and the validation report, each with its SHA-256.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from opendata import __version__
from opendata.charts import check_charts
from opendata.convert import sha256_file, typed_table, write_csv, write_json, write_parquet
from opendata.doubtful import check_doubtful
from opendata.errors import ManifestError, SourceError, ValidationFailed
from opendata.excel import EXCEL_MAX_ROWS, write_xlsx
from opendata.extract import extract as extract  # the first step, under its one name (re-exported)
from opendata.extract import replay_note
from opendata.hints import refine
from opendata.join import apply_joins, merge_findings, supplied_fields
from opendata.manifest import Manifest
from opendata.metadata import datapackage
from opendata.prepare import PreparedTable, prepare
from opendata.report import ValidationReport
from opendata.settings import settings
from opendata.sources import ParsedTable, RawSnapshot, source_for
from opendata.streaming.check import stream_check
from opendata.table_schema import TableSchema, load_schema
from opendata.validate.fast import unsupported_rules, validate_arrow
from opendata.validate.reference import table_csv_bytes, validate_table


@dataclass(frozen=True)
class BuiltFile:
    """A file a target publishes. ``key`` is stable across runs: targets match on it."""

    key: str  # data-csv, data-parquet, data-xlsx, table-schema, datapackage, validation-report
    path: Path
    format: str
    media_type: str
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Build:
    manifest: Manifest
    schema: TableSchema
    directory: Path
    files: list[BuiltFile]
    row_count: int
    report: ValidationReport
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        """One hash over every published file: equal hashes mean nothing to publish."""
        digest = hashlib.sha256()
        for f in sorted(self.files, key=lambda f: f.key):
            digest.update(f"{f.key}:{f.sha256}\n".encode())
        return digest.hexdigest()

    def file(self, key: str) -> BuiltFile:
        return next(f for f in self.files if f.key == key)


def parse(manifest: Manifest, raw: RawSnapshot) -> ParsedTable:
    """The source as a table of text, with the fields of every ``join`` added."""
    parsed = source_for(manifest.source).parse(manifest.source, raw)
    if not manifest.join:
        return parsed
    parsed = whole(parsed)  # a join looks rows up across the whole table
    lookups = {}
    for spec in manifest.join:
        lookup_raw = raw.lookups.get(spec.name)
        if lookup_raw is None:
            raise SourceError(f"{manifest.slug}: the lookup '{spec.name}' was not fetched")
        lookups[spec.name] = source_for(spec.source).parse(spec.source, lookup_raw)
    return apply_joins(parsed, manifest.join, lookups, manifest.columns)


ENGINES = ("arrow", "frictionless")


def validate(
    manifest: Manifest, parsed: ParsedTable, engine: str | None = None
) -> tuple[PreparedTable, ValidationReport]:
    """Map the columns and validate; the report is complete whether or not it is valid.

    ``engine`` (default: env ``OPENDATA_VALIDATOR``, else "arrow") picks the validator:
    "arrow" checks the Arrow columns and keeps the typed table for ``convert``;
    "frictionless" is the reference implementation (slower, same findings).
    """
    chosen = engine or settings().validator
    if chosen not in ENGINES:
        raise ManifestError(f"unknown validator '{chosen}'; use one of {', '.join(ENGINES)}")
    schema = load_schema(manifest.schema_path)
    check_charts(manifest.slug, manifest.charts, schema)
    if parsed.stream is not None and (chosen == "frictionless" or unsupported_rules(schema)):
        parsed = whole(parsed)  # these read the table in memory (frictionless streams its own rows)
    prepared, column_errors = prepare(parsed, manifest, schema)
    if parsed.stream is not None:  # a large file: validated and written batch by batch
        return stream_check(
            manifest, parsed, schema, prepared, column_errors, lambda found: refine(found, manifest, parsed, schema)
        )
    joined = supplied_fields(manifest.join)
    if chosen == "frictionless":
        report = validate_table(manifest.slug, prepared, schema, column_errors)
        merge_findings(report, parsed.findings, joined)
        refine(report, manifest, parsed, schema)
        return check_doubtful(prepared, schema, report, manifest.formulas), report
    report, typed = validate_arrow(manifest.slug, prepared, schema, column_errors)
    merge_findings(report, parsed.findings, joined)
    refine(report, manifest, parsed, schema)
    prepared = check_doubtful(replace(prepared, typed=typed), schema, report, manifest.formulas)
    return replace(prepared, typed=prepared.typed if report.valid else None), report


def write_report(report: ValidationReport, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    json_path, md_path = directory / "validation-report.json", directory / "validation-report.md"
    json_path.write_text(report.to_json(), encoding="utf-8")
    md_path.write_text(report.to_markdown(), encoding="utf-8")
    return [json_path, md_path]


def convert(
    manifest: Manifest,
    prepared: PreparedTable,
    report: ValidationReport,
    raw: RawSnapshot,
    directory: Path,
) -> Build:
    """Write the files of a valid table into ``directory`` (replaced as a whole)."""
    if not report.valid:
        raise ValidationFailed(report)
    # Convert with the very schema the table was validated against: read once, not again here.
    schema = prepared.schema or load_schema(manifest.schema_path)
    _never_a_dataset_folder(manifest, directory)
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    if prepared.staged is not None:  # streamed: both files were written while it was validated
        files, rows = _staged(prepared, report, schema, directory)
        table = None
    else:
        files, table = _written(prepared, report, schema, directory)
        rows = table.num_rows
    if manifest.xlsx and rows <= EXCEL_MAX_ROWS:  # a larger table does not fit in one sheet
        if table is None:
            table = pq.read_table(directory / "data.parquet")
        write_xlsx(table, schema, manifest, directory / "data.xlsx")
        files.append(_built("data-xlsx", directory / "data.xlsx", "XLSX", XLSX_MEDIA_TYPE))
    files += [
        _built("table-schema", directory / "schema.json", "JSON", "application/json"),
        _built("validation-report", directory / "validation-report.json", "JSON", "application/json"),
    ]
    source_metadata = source_for(manifest.source).metadata(manifest.source, raw)
    write_json(datapackage(manifest, schema, files, rows, source_metadata), directory / "datapackage.json")
    files.append(_built("datapackage", directory / "datapackage.json", "JSON", "application/json"))
    provenance = {
        "source": report.source,
        "source_sha256": raw.sha256,
        "extracted_at": raw.retrieved_at.isoformat(timespec="seconds"),
        "pipeline_version": __version__,
    }
    if raw.snapshot_id:
        provenance["archive_snapshot"] = raw.snapshot_id
    note = replay_note(raw)
    if note:
        provenance["replayed"] = note
    return Build(manifest, schema, directory, files, rows, report, provenance)


def _written(
    prepared: PreparedTable, report: ValidationReport, schema: TableSchema, directory: Path
) -> tuple[list[BuiltFile], pa.Table]:
    table = prepared.typed  # read once, by the fast validator
    if table is None:
        table = typed_table(table_csv_bytes(prepared), schema)
    with ThreadPoolExecutor(max_workers=2) as pool:  # Arrow writes without the GIL: one core each
        csv_file = pool.submit(_write, write_csv, table, directory, "data-csv")
        parquet_file = pool.submit(_write, write_parquet, table, directory, "data-parquet")
        write_json(schema.descriptor, directory / "schema.json")
        write_report(report, directory)
        return [csv_file.result(), parquet_file.result()], table


def _staged(
    prepared: PreparedTable, report: ValidationReport, schema: TableSchema, directory: Path
) -> tuple[list[BuiltFile], int]:
    staged = prepared.staged
    staged.move_to(directory)
    write_json(schema.descriptor, directory / "schema.json")
    write_report(report, directory)
    files = [_built(key, directory / name, fmt, media) for key, (name, fmt, media) in DATA_FILES.items()]
    return files, int(staged.rows)


def whole(parsed: ParsedTable) -> ParsedTable:
    """A streamed table read whole, for the steps that need every row at once."""
    if parsed.stream is None:
        return parsed
    table = pa.concat_tables([batch.table for batch in parsed.stream.batches()])
    return replace(parsed, table=table, stream=None)


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _never_a_dataset_folder(manifest: Manifest, directory: Path) -> None:
    """The build folder is deleted and rewritten: it must never be (or hold) a steward's files."""
    resolved = directory.resolve()
    folder = manifest.folder.resolve()
    if resolved == folder or folder in resolved.parents or (resolved / "dataset.yaml").exists():
        raise ManifestError(
            f"{manifest.slug}: the build folder {resolved} is the dataset's own folder or inside it; "
            "set OPENDATA_BUILD to a folder outside datasets/ (nothing was deleted)"
        )


DATA_FILES = {  # key: (file name, format, media type)
    "data-csv": ("data.csv", "CSV", "text/csv"),
    "data-parquet": ("data.parquet", "Parquet", "application/vnd.apache.parquet"),
}


def _write(writer: Callable[[pa.Table, Path], None], table: pa.Table, directory: Path, key: str) -> BuiltFile:
    name, fmt, media_type = DATA_FILES[key]
    writer(table, directory / name)
    return _built(key, directory / name, fmt, media_type)


def _built(key: str, path: Path, fmt: str, media_type: str) -> BuiltFile:
    return BuiltFile(key, path, fmt, media_type, sha256_file(path), path.stat().st_size)
