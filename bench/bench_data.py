"""The benchmark's data: a seeded table shaped like broadband coverage per address, and the
published files built from it as the pipeline writes them (see bench/ckan_bench.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SLUG = "bredband-adresser"

FIELDS = [
    ("address_id", "string", "Adress-id", "Stabilt id för adresspunkten."),
    ("municipality_code", "string", "Kommunkod", "SCB:s kommunkod."),
    ("postal_code", "string", "Postnummer", "Postnummer, fem siffror."),
    ("locality", "string", "Ort", "Tätort, småort eller landsbygd."),
    ("street_address", "string", "Gatuadress", "Gata och nummer."),
    ("latitude", "number", "Latitud", "WGS84."),
    ("longitude", "number", "Longitud", "WGS84."),
    ("households", "integer", "Hushåll", "Antal hushåll på adressen."),
    ("workplaces", "integer", "Arbetsställen", "Antal arbetsställen på adressen."),
    ("max_download_mbit", "integer", "Max nedströms (Mbit/s)", "Högsta tillgängliga hastighet."),
    ("fibre", "boolean", "Fiber", "Fiber framdragen eller möjlig att ansluta."),
    ("technology", "string", "Teknik", "Snabbaste tillgängliga teknik."),
    ("surveyed", "date", "Kartlagd", "Kartläggningens datum."),
]


def generate(rows: int, folder: Path, seed: int = 2284) -> None:
    """datasets/<slug>/ (manifest + source CSV) and schemas/<slug>.schema.json under ``folder``."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import yaml

    from tests.helpers import BASE_MANIFEST

    rng = np.random.default_rng(seed)
    localities = np.array(["Örnsköldsvik", "Bjästa", "Husum", "Bredbyn", "Själevad", "Gideå", "Landsbygd"])
    streets = np.array([f"{n}vägen" for n in ("Skol", "Kyrk", "Strand", "Sjö", "Björk", "Tall", "Gran")])
    tech = np.array(["fiber", "vdsl", "kabel-tv", "mobilt", "fast radio"])
    speeds = np.array([10, 30, 100, 250, 500, 1000])
    ids = np.char.add("2284-", np.char.zfill(np.arange(rows).astype(str), 7))
    fibre = rng.random(rows) < 0.8
    table = pa.table(
        {
            "address_id": ids,
            "municipality_code": np.full(rows, "2284"),
            "postal_code": np.char.add("89", rng.integers(100, 999, rows).astype(str)),
            "locality": localities[rng.integers(0, len(localities), rows)],
            "street_address": np.char.add(
                np.char.add(streets[rng.integers(0, len(streets), rows)], " "),
                rng.integers(1, 200, rows).astype(str),
            ),
            "latitude": np.round(63.0 + rng.random(rows) * 0.6, 5),
            "longitude": np.round(18.2 + rng.random(rows) * 1.0, 5),
            "households": rng.integers(1, 40, rows),
            "workplaces": rng.integers(0, 5, rows),
            "max_download_mbit": np.where(fibre, 1000, speeds[rng.integers(0, 5, rows)]),
            "fibre": fibre,
            "technology": np.where(fibre, "fiber", tech[rng.integers(1, len(tech), rows)]),
            "surveyed": np.full(rows, "2024-10-01"),
        }
    )
    dataset = folder / "datasets" / SLUG
    (dataset / "source").mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, dataset / "source" / "data.csv", pacsv.WriteOptions(quoting_header="none"))
    manifest = {
        **BASE_MANIFEST,
        "source": {"type": "csv", "path": "source/data.csv"},
        "sample_data": True,
        "title": {
            "sv": "Bredband per adress (genererat)",
            "en": "Broadband per address (generated)",
        },
    }
    (dataset / "dataset.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    schema = {
        "fields": [{"name": n, "type": t, "title": ti, "description": d} for n, t, ti, d in FIELDS],
        "primaryKey": ["address_id"],
        "missingValues": [""],
    }
    (folder / "schemas").mkdir(exist_ok=True)
    (folder / "schemas" / f"{SLUG}.schema.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")


def make_build(folder: Path) -> Any:
    """The published files, as the pipeline writes them (validation is the baseline's job)."""
    from opendata.build import Build, BuiltFile, write_report
    from opendata.convert import sha256_file, typed_table, write_csv, write_json, write_parquet
    from opendata.manifest import load_manifest
    from opendata.metadata import datapackage
    from opendata.report import ValidationReport
    from opendata.table_schema import load_schema

    manifest = load_manifest(folder / "datasets" / SLUG)
    schema = load_schema(manifest.schema_path)
    out = folder / "build"
    out.mkdir(exist_ok=True)
    source = folder / "datasets" / SLUG / "source" / "data.csv"
    if not (out / "data.parquet").exists():
        table = typed_table(source.read_bytes(), schema)
        write_csv(table, out / "data.csv")
        write_parquet(table, out / "data.parquet")
        write_json(schema.descriptor, out / "schema.json")
    rows = count_rows(out / "data.csv")
    report = ValidationReport(SLUG, "source/data.csv", str(schema.path), rows)
    write_report(report, out)

    def built(key: str, name: str, fmt: str, media: str) -> BuiltFile:
        path = out / name
        return BuiltFile(key, path, fmt, media, sha256_file(path), path.stat().st_size)

    files = [
        built("data-csv", "data.csv", "CSV", "text/csv"),
        built("data-parquet", "data.parquet", "Parquet", "application/vnd.apache.parquet"),
        built("table-schema", "schema.json", "JSON", "application/json"),
        built("validation-report", "validation-report.json", "JSON", "application/json"),
    ]
    write_json(datapackage(manifest, schema, files, rows), out / "datapackage.json")
    files.append(built("datapackage", "datapackage.json", "JSON", "application/json"))
    provenance = {
        "source": "generated",
        "source_sha256": sha256_file(source),
        "extracted_at": "2024-10-01T00:00:00+00:00",
        "pipeline_version": "bench",
    }
    return Build(manifest, schema, out, files, rows, report, provenance)


def count_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle) - 1
