"""The ``datapackage.json`` that travels with the files: a Frictionless Data Package.

It describes the CSV, Parquet and Excel distributions of one dataset, with the Table Schema
inline, the licence, the publisher and both languages' titles, and nothing that changes
between runs of the same input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opendata.manifest import Manifest
from opendata.table_schema import TableSchema

if TYPE_CHECKING:
    from opendata.build import BuiltFile


def datapackage(
    manifest: Manifest,
    schema: TableSchema,
    files: list[BuiltFile],
    row_count: int,
    source_metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    lang = manifest.language
    by_key = {f.key: f for f in files}
    description = manifest.description.get(lang)
    if manifest.sample_data:
        description = f"{SAMPLE_NOTICE[lang if lang in SAMPLE_NOTICE else 'en']}\n\n{description}"
    csv, parquet = by_key["data-csv"], by_key["data-parquet"]
    resources = [
        {
            "name": f"{manifest.slug}-csv",
            "path": csv.path.name,
            "format": "csv",
            "mediatype": csv.media_type,
            "encoding": "utf-8",
            "dialect": {"delimiter": ","},
            "bytes": csv.bytes,
            "hash": f"sha256:{csv.sha256}",
            "rows": row_count,
            "schema": schema.descriptor,
        },
        {
            "name": f"{manifest.slug}-parquet",
            "path": parquet.path.name,
            "format": "parquet",
            "mediatype": parquet.media_type,
            # No "bytes": frictionless 5 reads Parquet through pandas, counts no bytes and
            # reports any byte count as wrong ("actual is None"). The size is in catalog.json
            # and the DCAT catalog (dcat:byteSize). The hash it does not check, but it is true.
            "hash": f"sha256:{parquet.sha256}",
            "rows": row_count,
            "schema": parquet_schema(schema.descriptor),
        },
    ]
    if "data-xlsx" in by_key:
        # Headers are the schema's titles (for people), so the Table Schema is not attached.
        xlsx = by_key["data-xlsx"]
        resources.append(
            {
                "name": f"{manifest.slug}-xlsx",
                "path": xlsx.path.name,
                "format": "xlsx",
                "mediatype": xlsx.media_type,
                "description": XLSX_NOTE[lang if lang in XLSX_NOTE else "en"],
                "bytes": xlsx.bytes,
                "hash": f"sha256:{xlsx.sha256}",
                "rows": row_count,
            }
        )
    package: dict[str, Any] = {
        "name": manifest.slug,
        "title": manifest.title.get(lang),
        "description": description,
        "language": sorted({lang, "en"}),
        "i18n": {"title": manifest.title.root, "description": manifest.description.root},
        "licenses": [{"name": manifest.license, "title": manifest.license_title, "path": manifest.license_uri}],
        "contributors": [
            {"title": manifest.publisher.name, "path": manifest.publisher.uri, "role": "publisher"},
            {"title": manifest.contact.name, "email": manifest.contact.email, "role": "contact"},
        ],
        "keywords": sorted({k for words in manifest.keywords.values() for k in words}),
        "spatial": manifest.spatial.model_dump(exclude_none=True),
        "frequency": manifest.frequency,
        "sample_data": manifest.sample_data,
        "resources": resources,
    }
    if manifest.attribution:
        package["attribution"] = manifest.attribution
    if manifest.citations and manifest.citations.rows:
        # The publications behind the cited rows (opendata.citations), as Data Package sources.
        package["sources"] = [
            {"title": c.source, **({"path": c.url} if c.url else {}), "rows": c.where, "fields": c.fields}
            for c in manifest.citations.rows
        ]
    if source_metadata:
        # What the source says about its data (e.g. Kolada's KPI titles and descriptions):
        # the data dictionary behind a code column such as ``kpi``.
        package["source_metadata"] = source_metadata
    if manifest.temporal:
        package["temporal"] = manifest.temporal.model_dump(mode="json", exclude_none=True)
    return package


# How pandas hands frictionless an empty Parquet cell, per field type: frictionless compares
# ``str(cell)`` with the missing values, so these make an empty cell empty again.
PANDAS_MISSING = {"number": "nan", "integer": "nan", "datetime": "NaT", "date": "NaT", "time": "NaT"}


def parquet_schema(descriptor: dict[str, Any]) -> dict[str, Any]:
    """The Table Schema as frictionless can check the Parquet file against it.

    frictionless 5 reads Parquet through pandas, where an empty number becomes NaN (read back
    as the number ``nan``, which fails minimum/maximum) and an empty datetime NaT. Only the
    fields of those types get the pandas spelling as an extra missing value; every other rule
    is the CSV resource's.
    """
    missing = descriptor.get("missingValues", [""])
    fields = []
    for f in descriptor["fields"]:
        spelling = PANDAS_MISSING.get(f.get("type", "string"))
        if spelling:
            f = {**f, "missingValues": [*f.get("missingValues", missing), spelling]}
        fields.append(f)
    return {**descriptor, "fields": fields}


XLSX_NOTE = {
    "sv": "Samma data som Excel-arbetsbok: rubriker med fältens svenska titlar, datadefinitioner och licens på bladet "
    "'Om datan'.",
    "nb": "Samme data som Excel-arbeidsbok: overskrifter med feltenes titler, datadefinisjoner og lisens på arket "
    "'Om dataene'.",
    "en": "The same data as an Excel workbook: headers are the fields' titles; the data dictionary and licence are on "
    "the sheet 'About the data'.",
}

SAMPLE_NOTICE = {
    "sv": "OBS: exempeldata. Siffrorna är inte uppmätta och får inte användas som fakta.",
    "en": "NOTE: sample data. The figures are not measured and must not be used as facts.",
}
