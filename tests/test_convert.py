"""Conversion: Parquet types are the schema's, CSV round-trips, same input gives the same bytes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from frictionless import Package, Resource, Schema

from opendata import build
from opendata.build import Build
from opendata.manifest import load_manifest

ROOT = Path(__file__).resolve().parent.parent
SLUGS = ["strategi-uppfoljning", "bredband", "skolor-wifi"]
EXPECTED = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
}


def run_build(slug: str, out: Path) -> Build:
    m = load_manifest(ROOT / "datasets" / slug)
    raw = build.extract(m)
    prepared, report = build.validate(m, build.parse(m, raw))
    return build.convert(m, prepared, report, raw, out)


@pytest.mark.parametrize("slug", SLUGS)
def test_parquet_types_equal_the_schema(slug: str, tmp_path: Path) -> None:
    b = run_build(slug, tmp_path / slug)
    parquet = pq.read_schema(b.directory / "data.parquet")
    for field in b.schema.fields:
        assert parquet.field(field["name"]).type == EXPECTED[field["type"]], field["name"]
        if field.get("description"):
            assert parquet.field(field["name"]).metadata[b"description"].decode() == field["description"]
    assert parquet.names == b.schema.field_names


@pytest.mark.parametrize("slug", SLUGS)
def test_csv_round_trips_through_the_published_schema(slug: str, tmp_path: Path) -> None:
    b = run_build(slug, tmp_path / slug)
    csv_path = b.directory / "data.csv"
    assert csv_path.read_bytes().decode("utf-8").splitlines()[0] == ",".join(b.schema.field_names)
    resource = Resource(
        path="data.csv",
        basepath=str(b.directory),
        schema=Schema.from_descriptor(json.loads((b.directory / "schema.json").read_text())),
    )
    assert resource.validate().valid
    from_csv = [dict(row) for row in resource.read_rows()]  # type: ignore[attr-defined]
    from_parquet = pq.read_table(b.directory / "data.parquet").to_pylist()
    assert len(from_csv) == b.row_count == len(from_parquet)
    for a, p in zip(from_csv, from_parquet, strict=True):
        assert {k: (float(v) if hasattr(v, "as_tuple") else v) for k, v in a.items()} == p


def test_swedish_decimal_commas_become_points(tmp_path: Path) -> None:
    b = run_build("skolor-wifi", tmp_path / "s")
    first = (b.directory / "data.csv").read_text(encoding="utf-8").splitlines()[1]
    assert "63.2909,18.7153" in first
    assert pq.read_table(b.directory / "data.parquet").column("latitude")[0].as_py() == 63.2909


def test_datapackage_describes_every_file_with_schema_and_licence(tmp_path: Path) -> None:
    b = run_build("bredband", tmp_path / "b")
    descriptor = json.loads((b.directory / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["format"] for r in descriptor["resources"]] == ["csv", "parquet", "xlsx"]
    assert descriptor["licenses"][0]["name"] == "CC0-1.0"
    assert descriptor["sample_data"] is True and "exempeldata" in descriptor["description"].lower()
    for r in descriptor["resources"]:
        built = b.file(f"data-{r['format']}")
        assert r["hash"] == f"sha256:{built.sha256}"
        assert r.get("bytes", built.bytes) == built.bytes  # the Parquet resource has none (frictionless)
        if r["format"] != "xlsx":  # the workbook's headers are titles, not field names
            assert [f["name"] for f in r["schema"]["fields"]] == [f["name"] for f in b.schema.fields]
    assert descriptor["resources"][0]["schema"]["fields"] == b.schema.fields
    package = Package(descriptor, basepath=str(b.directory))
    assert package.get_resource("bredband-csv").validate().valid
    assert package.get_resource("bredband-parquet").validate().valid


def test_same_input_gives_the_same_bytes(tmp_path: Path) -> None:
    first = run_build("skolor-wifi", tmp_path / "one")
    second = run_build("skolor-wifi", tmp_path / "two")
    assert [(f.key, f.sha256) for f in first.files] == [(f.key, f.sha256) for f in second.files]
    assert first.content_hash == second.content_hash


def test_changed_row_changes_the_content_hash(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "datasets", tmp_path / "datasets")
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    shutil.copytree(ROOT / "publishers", tmp_path / "publishers")
    before = run_build("skolor-wifi", tmp_path / "before")
    path = tmp_path / "datasets/skolor-wifi/source/wifi-inventering.csv"
    path.write_bytes(path.read_bytes().replace(b";46;", b";47;"))
    m = load_manifest(tmp_path / "datasets/skolor-wifi")
    raw = build.extract(m)
    prepared, report = build.validate(m, build.parse(m, raw))
    after = build.convert(m, prepared, report, raw, tmp_path / "after")
    assert after.content_hash != before.content_hash
    assert after.file("table-schema").sha256 == before.file("table-schema").sha256
