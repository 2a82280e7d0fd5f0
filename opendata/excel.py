"""``data.xlsx``: the table for people who open data in Excel.

Swedish Excel opens a comma-separated UTF-8 CSV badly (its list separator is ``;`` and it
guesses the encoding), so every dataset also gets a workbook: the data with the schema's
Swedish titles as headers and real number, date and boolean cells, and a second sheet with
the data dictionary, the licence and the attribution. XlsxWriter streams rows
(``constant_memory``) and stamps every zip entry 1980-01-01; the document's creation time is
fixed too, so the bytes depend only on the input. Text is never turned into formulas or links.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from opendata.manifest import Manifest
from opendata.table_schema import TableSchema

EXCEL_MAX_ROWS = 1_048_575  # Excel's sheet limit (1 048 576) minus the header row
FIXED_DOC_TIME = datetime(1980, 1, 1)
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
OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,  # a cell "=HYPERLINK(...)" stays text
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


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
    import xlsxwriter  # here, not at the top: only a conversion needs it

    book = xlsxwriter.Workbook(str(path), OPTIONS)
    book.set_properties({"title": manifest.title.get(lang), "author": manifest.publisher.name,
                         "created": FIXED_DOC_TIME})  # fmt: skip
    bold = book.add_format({"bold": True})
    formats = {"date": book.add_format({"num_format": "yyyy-mm-dd"}),
               "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})}  # fmt: skip
    sheet = book.add_worksheet(data_title)
    sheet.freeze_panes(1, 0)
    for i, field in enumerate(schema.fields):
        title = field.get("title") or field["name"]
        sheet.set_column(i, i, max(10, min(60, len(title) + 4)))
        sheet.write_string(0, i, title, bold)
    dated = [(i, formats[f["type"]]) for i, f in enumerate(schema.fields) if f.get("type") in formats]
    row_number = 1
    for batch in table.select(schema.field_names).to_batches(CHUNK):
        columns = [column.to_pylist() for column in batch.columns]
        for row in zip(*columns, strict=True):
            sheet.write_row(row_number, 0, row)
            for i, cell_format in dated:
                if row[i] is not None:
                    sheet.write_datetime(row_number, i, row[i], cell_format)
            row_number += 1
    _about_sheet(book, book.add_worksheet(about_title), schema, manifest, LABELS[lang])
    book.close()


def _about_sheet(book: Any, sheet: Any, schema: TableSchema, manifest: Manifest, labels: tuple[str, ...]) -> None:
    """Title, description, licence, source, publisher and contact; then one row per field."""
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for i, width in enumerate((28, 26, 70, 10, 8, 40)):
        sheet.set_column(i, i, width)
    lang = manifest.language
    sheet.write_string(0, 0, manifest.title.get(lang), bold)
    sheet.write_string(1, 0, manifest.description.get(lang), wrap)
    facts = [[labels[6], f"{manifest.license_title} ({manifest.license})", manifest.license_uri]]
    if manifest.attribution:
        facts.append([labels[7], manifest.attribution])
    facts += [
        [labels[8], manifest.publisher.name, manifest.publisher.uri],
        [labels[9], manifest.contact.name, manifest.contact.email],
    ]
    r = 3
    for fact in facts:
        sheet.write_string(r, 0, fact[0], bold)
        for c, value in enumerate(fact[1:], start=1):
            sheet.write_string(r, c, value)
        r += 1
    r += 1
    for c, label in enumerate(labels[:6]):
        sheet.write_string(r, c, label, bold)
    for field in schema.fields:
        r += 1
        values = [
            field.get("title") or field["name"],
            field["name"],
            field.get("description", ""),
            field.get("type", "string"),
            field.get("unit", ""),
            constraint_text(field.get("constraints", {})),
        ]
        for c, value in enumerate(values):
            sheet.write_string(r, c, value, wrap)
