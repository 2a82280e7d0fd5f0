"""Fast (Arrow) validator: each rule, the row and column it names, the typed table, the switch."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from opendata import build
from opendata.convert import typed_table
from opendata.errors import ManifestError
from opendata.manifest import load_manifest
from opendata.prepare import PreparedTable
from opendata.report import CellError, ValidationReport
from opendata.table_schema import TableSchema
from opendata.validate.fast import unsupported_rules, validate_arrow
from opendata.validate.fast.patterns import re2_pattern
from opendata.validate.messages import ERROR_LIMIT
from opendata.validate.reference import table_csv_bytes

ROOT = Path(__file__).resolve().parent.parent
V2 = "https://datapackage.org/profiles/2.0/tableschema.json"


def schema_of(fields: list[dict[str, Any]], **extra: Any) -> TableSchema:
    return TableSchema({"$schema": V2, "fields": fields, **extra}, Path("test.schema.json"))


def prepared(columns: dict[str, list[str]], first_row: int = 2) -> PreparedTable:
    table = pa.table({name: pa.array(cells, pa.string()) for name, cells in columns.items()})
    return PreparedTable(table, "test.csv", first_row, "line", {n: n.upper() for n in columns})


def check(
    fields: list[dict[str, Any]], columns: dict[str, list[str]], first_row: int = 2, **extra: Any
) -> tuple[ValidationReport, pa.Table | None]:
    report, typed = validate_arrow("t", prepared(columns, first_row), schema_of(fields, **extra), [])
    assert report.engine == "arrow"
    return report, typed


def found(report: ValidationReport) -> list[tuple[Any, ...]]:
    return [(e.row, e.column, e.rule, e.value) for e in report.errors]


@pytest.mark.parametrize(
    ("field", "cells", "expected"),
    [
        ({"type": "integer"}, ["1", "1.0", "+5", "12B"], [(3, "type", "1.0"), (5, "type", "12B")]),
        (
            {"type": "number"},
            ["1.5", "1,5", "NaN", "många"],
            [(3, "type", "1,5"), (5, "type", "många")],
        ),
        ({"type": "boolean"}, ["true", "ja", "0", "FALSE"], [(3, "type", "ja")]),
        (
            {"type": "date"},
            ["2024-02-29", "2023-02-29", "2024-02-30", "2024-3-5"],
            [(3, "type", "2023-02-29"), (4, "type", "2024-02-30")],
        ),
        (
            {"type": "datetime"},
            ["2024-01-01T10:00:00", "2024-01-01T10:00", "2024-01-01 23:59:59"],
            [(3, "type", "2024-01-01T10:00")],
        ),
        (
            {"type": "time"},
            ["10:00:00", "25:00:00", "24:00:00", "23:59:60"],
            [(3, "type", "25:00:00"), (5, "type", "23:59:60")],
        ),
        (
            {"type": "year"},
            ["2024", "24", "0000", "-001"],
            [(3, "type", "24"), (5, "type", "-001")],
        ),
        (
            {"type": "string", "format": "uuid"},
            ["2bc1c94f-0deb-43e9-92a1-4775189ec9f8", "nope"],
            [(3, "type", "nope")],
        ),
        ({"type": "string", "constraints": {"required": True}}, ["a", ""], [(3, "required", "")]),
        (
            {"type": "string", "constraints": {"enum": ["a", "b"]}},
            ["a", "c", ""],
            [(3, "enum", "c")],
        ),
        (
            {"type": "number", "constraints": {"minimum": 0, "maximum": 100}},
            ["-1", "100", "100.5"],
            [(2, "minimum", "-1"), (4, "maximum", "100.5")],
        ),
        (
            {"type": "number", "constraints": {"maximum": 100}},
            ["100.0000000000000000001", "1e2"],
            [(2, "maximum", "100.0000000000000000001")],
        ),
        (
            {"type": "integer", "constraints": {"exclusiveMinimum": 0, "exclusiveMaximum": 10}},
            ["0", "5", "10"],
            [(2, "exclusiveMinimum", "0"), (4, "exclusiveMaximum", "10")],
        ),
        (
            {"type": "date", "constraints": {"minimum": "2020-01-01"}},
            ["2019-12-31", "2020-01-01"],
            [(2, "minimum", "2019-12-31")],
        ),
        (
            {"type": "string", "constraints": {"minLength": 2, "maxLength": 3}},
            ["å", "åä", "åäöx"],
            [(2, "minLength", "å"), (4, "maxLength", "åäöx")],
        ),
        (
            {"type": "string", "constraints": {"pattern": "[0-9]{4}"}},
            ["2284", "284", "2284x", "٢٢٨٤"],
            [(3, "pattern", "284"), (4, "pattern", "2284x"), (5, "pattern", "٢٢٨٤")],
        ),
        (
            {"type": "string", "constraints": {"pattern": "\\d{4}"}},
            ["2284", "٢٢٨٤", "22a4"],
            [(4, "pattern", "22a4")],
        ),  # Python's \\d is any Unicode digit, as frictionless reads it
        (
            {"type": "string", "constraints": {"pattern": "3.1|3.2"}},
            ["3.1xyz", "x3.2"],
            [(3, "pattern", "x3.2")],
        ),  # '^3.1|3.2$': the first branch is anchored at the start only
        (
            {"type": "string", "constraints": {"unique": True}},
            ["a", "b", "a", "", "a"],
            [(4, "unique", "a"), (6, "unique", "a")],
        ),
        (
            {"type": "number", "constraints": {"unique": True}},
            ["1", "1.0", "1e0", "NaN", "NaN"],
            [(3, "unique", "1.0"), (4, "unique", "1")],
        ),  # equal as decimals; NaN never repeats
    ],
)
def test_each_rule_names_row_column_and_value(
    field: dict[str, Any], cells: list[str], expected: list[tuple[Any, ...]]
) -> None:
    other = {"name": "k", "type": "string"}  # so that a row with an empty v is not a blank row
    report, _ = check([{"name": "v", **field}, other], {"v": cells, "k": ["x"] * len(cells)})
    assert found(report) == [(row, "v", rule, value) for row, rule, value in expected]
    assert all(e.source_column == "V" for e in report.errors if e.rule != "unique")


def test_several_constraints_on_one_cell_each_reported_in_frictionless_order() -> None:
    field = {
        "name": "s",
        "type": "string",
        "constraints": {"maxLength": 3, "pattern": "[a-z]+", "enum": ["ab", "abc"]},
    }
    report, _ = check([field], {"s": ["abcd9"]})
    assert [e.rule for e in report.errors] == ["maxLength", "pattern", "enum"]


def test_rows_are_the_source_rows() -> None:
    """Row 0 of the table is line 5 of the file (e.g. a header on line 4)."""
    report, _ = check([{"name": "n", "type": "integer"}], {"n": ["1", "x", "2"]}, first_row=5)
    assert found(report) == [(6, "n", "type", "x")]


def test_primary_key_composite_and_empty() -> None:
    fields: list[dict[str, Any]] = [
        {"name": "year", "type": "integer"},
        {"name": "area", "type": "string"},
    ]
    cols = {"year": ["2020", "2020", "2020", "", "02020"], "area": ["a", "b", "a", "", "b"]}
    report, _ = check(fields, cols, primaryKey=["year", "area"])
    assert found(report) == [
        (4, "year, area", "primary-key", "2020, a"),
        (5, None, "blank-row", None),
        (5, "year, area", "primary-key", ", "),  # a key with no value at all
        (6, "year, area", "primary-key", "02020, b"),  # 02020 is the integer 2020
    ]
    assert "first seen in line 2" in report.errors[0].message
    assert "first seen in line 3" in report.errors[3].message


def test_missing_values_are_the_schemas() -> None:
    fields: list[dict[str, Any]] = [
        {"name": "n", "type": "integer", "constraints": {"required": True}},
        {"name": "s", "type": "string", "missingValues": ["-"]},
    ]
    report, _ = check(fields, {"n": ["NA", "", "1"], "s": ["", "-", "x"]}, missingValues=["NA"])
    assert found(report) == [(2, "n", "required", "NA"), (3, "n", "type", "")]


def test_error_limit() -> None:
    report, typed = check([{"name": "n", "type": "integer"}], {"n": ["x"] * (ERROR_LIMIT + 5)})
    assert len(report.errors) == ERROR_LIMIT and typed is None


def test_prior_column_errors_stop_the_cell_checks() -> None:
    prior = [CellError("missing-column", "no column 'b'", column="b")]
    schema = schema_of([{"name": "a", "type": "integer"}, {"name": "b", "type": "string"}])
    report, typed = validate_arrow("t", prepared({"a": ["x"]}), schema, prior)
    assert report.errors == prior and typed is None


def test_empty_table_is_valid() -> None:
    report, typed = check([{"name": "a", "type": "date"}], {"a": []})
    assert report.valid and typed is not None and typed.num_rows == 0


def test_typed_table_has_the_values_and_types_of_the_schema() -> None:
    fields: list[dict[str, Any]] = [
        {"name": "i", "type": "integer"},
        {"name": "n", "type": "number"},
        {"name": "b", "type": "boolean"},
        {"name": "d", "type": "date"},
        {"name": "dt", "type": "datetime"},
        {"name": "t", "type": "time"},
        {"name": "y", "type": "year"},
        {"name": "s", "type": "string", "constraints": {"required": True}},
    ]
    cols = {
        "i": ["+5", "1_000", ""],
        "n": ["1e3", "-0.5", ""],
        "b": ["TRUE", "0", ""],
        "d": ["2024-3-5", "2024-02-29", ""],
        "dt": ["2024-01-01 10:00:00", "2024-01-01T24:00:00", ""],
        "t": ["24:00:00", "10:30:00", ""],
        "y": ["2024", "0999", ""],
        "s": ["å", "b", "c"],
    }
    report, typed = check(fields, cols)
    assert report.valid, report.errors
    assert typed is not None and typed.schema == schema_of(fields).arrow_schema()
    assert typed.to_pylist()[:2] == [
        {
            "i": 5,
            "n": 1000.0,
            "b": True,
            "d": dt.date(2024, 3, 5),
            "dt": dt.datetime(2024, 1, 1, 10),
            "t": dt.time(0, 0),
            "y": 2024,
            "s": "å",
        },
        {
            "i": 1000,
            "n": -0.5,
            "b": False,
            "d": dt.date(2024, 2, 29),
            "dt": dt.datetime(2024, 1, 2),
            "t": dt.time(10, 30),
            "y": 999,
            "s": "b",
        },
    ]
    assert all(v is None for k, v in typed.to_pylist()[2].items() if k != "s")


@pytest.mark.parametrize("slug", ["bredband", "skolor-wifi", "strategi-uppfoljning"])
def test_typed_table_equals_the_csv_reread(slug: str) -> None:
    """For a valid file, the table validation hands over is the one convert used to read."""
    manifest = load_manifest(ROOT / "datasets" / slug)
    prepared_table, report = build.validate(manifest, build.parse(manifest, build.extract(manifest)))
    assert report.engine == "arrow" and report.valid
    assert prepared_table.typed is not None
    schema = TableSchema(json.loads(manifest.schema_path.read_text()), manifest.schema_path)
    assert prepared_table.typed.equals(typed_table(table_csv_bytes(prepared_table), schema), check_metadata=True)


def test_unsupported_rules_fall_back_to_frictionless_loudly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    schema = schema_of(
        [{"name": "id", "type": "integer"}, {"name": "parent", "type": "integer"}],
        foreignKeys=[{"fields": "parent", "reference": {"resource": "", "fields": "id"}}],
    )
    assert unsupported_rules(schema) == ["foreignKeys"]
    with caplog.at_level(logging.WARNING, logger="opendata.validate.fast.engine"):
        report, typed = validate_arrow("t", prepared({"id": ["1", "2"], "parent": ["1", "9"]}), schema, [])
    assert report.engine == "frictionless" and typed is None
    assert "foreignKeys" in caplog.text and "frictionless" in caplog.text
    assert [(e.row, e.rule) for e in report.errors] == [(3, "foreign-key")]


def test_supported_schemas_have_no_unsupported_rules() -> None:
    bench = ROOT / "bench" / "bredband-adresser.schema.json"
    for path in [*sorted((ROOT / "schemas").glob("*.json")), bench]:
        assert unsupported_rules(TableSchema(json.loads(path.read_text()), path)) == [], path


@pytest.mark.parametrize(
    ("pattern", "translated"),
    [
        ("[0-9]{8}", "^(?:^(?:[0-9]){8,8}$)"),
        ("3\\.[1-5]-[0-9]{2}", "^(?:^3\\x{2e}[1-5]\\x{2d}(?:[0-9]){2,2}$)"),
        ("a|b", "^(?:(?:^a|b$))"),  # as Python reads '^a|b$': (^a)|(b$)
        ("\\d+", "^(?:^(?:[0-9]){1,}$)"),
        ("\\s+", None),  # Python's \\s has more ASCII spaces than RE2's
        ("(a)\\1", None),  # backreference
        ("(?=a)a", None),  # lookahead
        ("(?i:a)", None),  # flags
        ("x{1001}", None),  # too many for RE2
    ],
)
def test_patterns_go_to_re2_only_when_the_meaning_is_the_same(pattern: str, translated: str | None) -> None:
    assert re2_pattern(pattern) == translated


# build.validate / build.convert


def write_dataset(root: Path, fields: list[dict[str, Any]], csv: str) -> Path:
    (root / "datasets").mkdir(parents=True)
    shutil.copy(ROOT / "datasets" / "_defaults.yaml", root / "datasets" / "_defaults.yaml")
    shutil.copytree(ROOT / "publishers", root / "publishers")
    folder = root / "datasets" / "t-data"
    (folder / "source").mkdir(parents=True)
    (folder / "source" / "data.csv").write_text(csv, encoding="utf-8")
    (root / "schemas").mkdir()
    (root / "schemas" / "t-data.schema.json").write_text(json.dumps({"$schema": V2, "fields": fields}))
    (folder / "dataset.yaml").write_text(
        "publisher: ornskoldsvik\ntitle: {sv: Test, en: Test}\ndescription: {sv: Test, en: Test}\nthemes: [TECH]\n"
        "frequency: ANNUAL\nsource: {type: csv, path: source/data.csv}\n",
        encoding="utf-8",
    )
    return folder


FIELDS = [{"name": "n", "type": "integer"}, {"name": "when", "type": "datetime"}]


@pytest.mark.parametrize("engine", ["arrow", "frictionless"])
def test_check_engine_switch(tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENDATA_VALIDATOR", engine)
    m = load_manifest(write_dataset(tmp_path, FIELDS, "n,when\n1,2024-01-01T10:00:00\nx,2024-02-30T00:00:00\n"))
    prepared_table, report = build.validate(m, build.parse(m, build.extract(m)))
    assert report.engine == engine
    assert found(report) == [(3, "n", "type", "x"), (3, "when", "type", "2024-02-30T00:00:00")]
    assert prepared_table.typed is None  # invalid: nothing to convert


def test_unknown_engine_is_refused(tmp_path: Path) -> None:
    m = load_manifest(write_dataset(tmp_path, FIELDS, "n,when\n1,\n"))
    with pytest.raises(ManifestError, match="unknown validator"):
        build.validate(m, build.parse(m, build.extract(m)), engine="pandas")


def test_convert_reuses_the_typed_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    m = load_manifest(write_dataset(tmp_path, FIELDS, "n,when\n1,2024-01-01 10:00:00\n2,\n"))
    raw = build.extract(m)
    prepared_table, report = build.validate(m, build.parse(m, raw), engine="arrow")

    def no_reread(*args: object) -> pa.Table:
        raise AssertionError("convert read the CSV again")

    monkeypatch.setattr(build, "typed_table", no_reread)
    b = build.convert(m, prepared_table, report, raw, tmp_path / "out")
    assert (b.directory / "data.csv").read_text() == 'n,when\n1,"2024-01-01T10:00:00"\n2,\n'
    assert b.row_count == 2


def test_fingerprints_never_miss_a_repeat() -> None:
    """Candidates from fingerprints are exactly the rows whose values occur more than once."""
    import random

    from opendata.validate.fast.fingerprint import repeated

    rng = random.Random(7)
    pools: list[tuple[list[Any], pa.DataType]] = [
        (
            ["", "a", "å", "abcdefgh", "abcdefghi", "xbcdefghi", "abcdefgh1", "Örnsköldsvik", None],
            pa.string(),
        ),
        ([0.0, -0.0, 1.5, 1.7, float("inf"), None], pa.float64()),
        ([dt.date(2024, 1, 1), dt.date(1970, 1, 1), None], pa.date32()),
    ]
    for _ in range(50):
        n = rng.randint(0, 40)
        values = [[rng.choice(pool) for _ in range(n)] for pool, _ in pools]
        for chosen in ([0], [1], [2], [0, 1], [0, 2], [1, 2]):
            # -0.0 + 0.0 is 0.0: the two zeros are one value, as they are one Decimal
            keys = [tuple(_zero(values[j][i]) for j in chosen) for i in range(n)]
            columns = [pa.array(values[j], pools[j][1]) for j in chosen]
            halves = [pa.chunked_array([c.slice(0, n // 2), c.slice(n // 2)]) for c in columns]
            assert repeated(halves).tolist() == [keys.count(k) > 1 for k in keys]


def _zero(value: Any) -> Any:
    return value + 0.0 if isinstance(value, float) else value
