"""Every published datapackage.json is valid as frictionless itself reads it (CSV and Parquet)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from frictionless import validate

from opendata import build
from opendata.manifest import load_manifest

ROOT = Path(__file__).resolve().parent.parent
SLUGS = ("bredband", "moss-nokkeltall", "moss-strategi-tiltak", "nyckeltal", "skolor-wifi", "strategi-uppfoljning")


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("packages")
    for name in ("datasets", "schemas", "publishers"):
        shutil.copytree(ROOT / name, root / name)
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OPENDATA_ARCHIVE", str(root / "archive"))
        for slug in SLUGS:
            m = load_manifest(root / "datasets" / slug)
            raw = build.extract(m)
            prepared, report = build.validate(m, build.parse(m, raw))
            out[slug] = build.convert(m, prepared, report, raw, root / "build" / slug).directory / "datapackage.json"
    return out


@pytest.mark.parametrize("slug", SLUGS)
def test_frictionless_says_every_bundled_package_is_valid(packages: dict[str, Path], slug: str) -> None:
    report = validate(packages[slug])
    assert report.valid, report.flatten(["title", "rowNumber", "fieldName", "type", "note"])
    assert [t.name for t in report.tasks] == [f"{slug}-csv", f"{slug}-parquet", f"{slug}-xlsx"]


def test_the_csv_resource_still_promises_size_and_hash(packages: dict[str, Path]) -> None:
    csv, parquet, _xlsx = json.loads(packages["bredband"].read_text())["resources"]
    schema = json.loads((packages["bredband"].parent / "schema.json").read_text())
    assert csv["bytes"] > 0 and csv["hash"].startswith("sha256:")
    assert csv["schema"] == schema  # the CSV resource: the Table Schema as it is
    assert "bytes" not in parquet  # frictionless 5 cannot count a Parquet file's bytes
    for ours, theirs in zip(schema["fields"], parquet["schema"]["fields"], strict=True):
        if ours["type"] in ("number", "integer"):  # only the pandas spelling of an empty number is added
            assert theirs == {**ours, "missingValues": [*schema.get("missingValues", [""]), "nan"]}
        else:
            assert theirs == ours


def test_the_parquet_check_still_catches_a_broken_value(packages: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "bredband"
    shutil.copytree(packages["bredband"].parent, folder)
    table = pq.read_table(folder / "data.parquet")
    column = table.column("households_100mbit_pct")
    broken = pc.if_else(pc.is_null(column), column, pa.scalar(150.0, column.type))  # over the maximum
    index = table.schema.get_field_index("households_100mbit_pct")
    pq.write_table(table.set_column(index, "households_100mbit_pct", broken), folder / "data.parquet")
    report = validate(folder / "datapackage.json")
    assert not report.valid
    errors = report.flatten(["type", "fieldName"])
    assert ["constraint-error", "households_100mbit_pct"] in errors
    assert all(task.valid for task in report.tasks if task.name.endswith("-csv"))
