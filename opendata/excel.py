"""``data.xlsx``: the table for people who open data in Excel.

Swedish Excel opens a comma-separated UTF-8 CSV badly (its list separator is ``;`` and it
guesses the encoding), so every dataset also gets a workbook: the data with the schema's
Swedish titles as headers and real number, date and boolean cells, and a second sheet with
the data dictionary, the licence and the attribution. The bytes depend only on the input:
the workbook's creation and modification times and the zip entries' times are fixed.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from opendata.manifest import Manifest
from opendata.table_schema import TableSchema

EXCEL_MAX_ROWS = 1_048_575  # Excel's sheet limit (1 048 576) minus the header row
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
FIXED_DOC_TIME = "1980-01-01T00:00:00Z"
CHUNK = 50_000

SHEET_TITLES = {  # language: (data sheet, dictionary sheet)
    "sv": ("Data", "Om datan"),
    "nb": ("Data", "Om dataene"),
    "en": ("Data", "About the data"),
}
LABELS = {
    "sv": ("Kolumn", "Fältnamn", "Beskrivning", "Typ", "Enhet", "Villkor", "Licens", "Källa", "Utgivare", "Kontakt"),
    "nb": ("Kolonne", "Feltnavn", "Beskrivelse", "Type", "Enhet", "Vilkår", "Lisens", "Kilde", "Utgiver", "Kontakt"),
    "en": ("Column", "Field name", "Description", "Type", "Unit", "Constraints", "Licence", "Source", "Publisher",
           "Contact"),
}  # fmt: skip


def constraint_text(constraints: dict[str, Any]) -> str:
    """Constraints as one line, e.g. ``required; minimum 0; maximum 100``."""
    parts = []
    for key, value in constraints.items():
        if value is True:
            parts.append(key)
        elif isinstance(value, list):
            parts.append(f"{key}: {' | '.join(str(v) for v in value)}")
        else:
            parts.append(f"{key} {value}")
    return "; ".join(parts)


def write_xlsx(table: pa.Table, schema: TableSchema, manifest: Manifest, path: Path) -> None:
    lang = manifest.language if manifest.language in SHEET_TITLES else "en"
    data_title, about_title = SHEET_TITLES[lang]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(data_title)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    for i, field in enumerate(schema.fields):
        width = max(10, min(60, len(field.get("title") or field["name"]) + 4))
        sheet.column_dimensions[_column_letter(i)].width = width
    header = []
    for field in schema.fields:
        cell = WriteOnlyCell(sheet, value=field.get("title") or field["name"])
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    date_fields = {i for i, f in enumerate(schema.fields) if f.get("type") in ("date", "datetime")}
    for batch in table.select(schema.field_names).to_batches(CHUNK):
        columns = [column.to_pylist() for column in batch.columns]
        for row in zip(*columns, strict=True):
            if date_fields:
                sheet.append([_date_cell(sheet, v) if i in date_fields else v for i, v in enumerate(row)])
            else:
                sheet.append(list(row))
    _about_sheet(workbook.create_sheet(about_title), schema, manifest, LABELS[lang])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(_fixed_times(buffer.getvalue()))


def _about_sheet(sheet: Any, schema: TableSchema, manifest: Manifest, labels: tuple[str, ...]) -> None:
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEF", (28, 26, 70, 10, 8, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    lang = manifest.language
    rows: list[list[Any]] = [
        [_cell(sheet, manifest.title.get(lang), bold)],
        [_cell(sheet, manifest.description.get(lang), wrap)],
        [],
        [_cell(sheet, labels[6], bold), f"{manifest.license_title} ({manifest.license})", manifest.license_uri],
    ]
    if manifest.attribution:
        rows.append([_cell(sheet, labels[7], bold), manifest.attribution])
    rows += [
        [_cell(sheet, labels[8], bold), manifest.publisher.name, manifest.publisher.uri],
        [_cell(sheet, labels[9], bold), manifest.contact.name, manifest.contact.email],
        [],
        [_cell(sheet, text, bold) for text in labels[:6]],
    ]
    for field in schema.fields:
        rows.append(
            [
                field.get("title") or field["name"],
                field["name"],
                _cell(sheet, field.get("description", ""), wrap),
                field.get("type", "string"),
                field.get("unit", ""),
                _cell(sheet, constraint_text(field.get("constraints", {})), wrap),
            ]
        )
    for row in rows:
        sheet.append(row)


def _cell(sheet: Any, value: Any, style: Font | Alignment) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(style, Font):
        cell.font = style
    else:
        cell.alignment = style
    return cell


def _date_cell(sheet: Any, value: Any) -> Any:
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = "yyyy-mm-dd" if not hasattr(value, "hour") else "yyyy-mm-dd hh:mm:ss"
    return cell


def _column_letter(index: int) -> str:
    return str(get_column_letter(index + 1))


def _fixed_times(xlsx: bytes) -> bytes:
    """Same content, same bytes: fix the document's times and every zip entry's time."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{FIXED_DOC_TIME}\g<2>", text
                )
                data = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, data)
    return out.getvalue()
