"""The fast (Arrow) validator against frictionless, the reference: same findings, or a named reason.

A seeded generator builds small tables that break every rule the engines know (types
including odd spellings, every constraint kind, missing values, blank rows, repeated
single and composite keys, unicode) under random schemas, and both engines must report
the same errors: row, column, rule, value and message, in the same order. Hypothesis
adds free-form cells per type. The cases where the engines legitimately differ are the
``test_named_difference_*`` tests at the end (docs/validation.md says why).
"""

from __future__ import annotations

import random
import string
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendata.prepare import PreparedTable
from opendata.report import ValidationReport
from opendata.table_schema import TableSchema, load_schema
from opendata.validate.fast import validate_arrow
from opendata.validate.messages import ERROR_LIMIT
from opendata.validate.reference import validate_table

ROOT = Path(__file__).resolve().parent.parent

# Cells per type: plain values, then spellings where readers are known to disagree.
VALUES: dict[str, list[str]] = {
    "integer": ["0", "1", "42", "-7", "2010", "2024", "100", "999999999999999999"],
    "number": ["0", "1", "1.0", "55.5", "63.2909", "-0.5", "100", "69.1", "0.1", "1e2"],
    "boolean": ["true", "false", "True", "FALSE", "1", "0"],
    "date": ["2024-01-31", "2024-02-29", "2020-01-01", "1999-12-31", "2024-12-31"],
    "datetime": ["2024-01-01T10:00:00", "2024-06-30 23:59:59", "2020-01-01T00:00:00"],
    "time": ["10:00:00", "00:00:00", "23:59:59", "12:00:00"],
    "year": ["2024", "2010", "1999", "0001", "9999"],
    "string": ["Tätort", "Hela kommunen", "ab", "abc", "90012841", "3.1-04", "Örnsköldsvik", "x"],
}
ODD: dict[str, list[str]] = {
    "integer": [
        "05",
        "+5",
        "-0",
        "1.0",
        "1e3",
        " 7",
        "7 ",
        "1_0",
        "٣",
        "０５",
        "12B",
        "0x1F",
        "+-5",
        "1,5",
        "",
        "NA",
        "-",
    ],
    "number": [
        "1e3",
        "+5",
        "5.",
        ".5",
        "-.5",
        "NaN",
        "nan",
        "INF",
        "-inf",
        "Infinity",
        "1_000",
        "١٢",
        "０５",
        " 5",
        "1,5",
        "1.000,5",
        "0x10",
        "--5",
        "1e",
        "-0",
        "100.0000000000000000001",
        "99.99999999999999999999",
        "1e400",
        "-1e400",
        "1E-400",
        "5e-324",
        "",
        "NA",
    ],
    "boolean": ["yes", "no", "t", "f", "ja", "nej", "Ja", " true", "TRUE ", "tRue", "", "NA"],
    "date": [
        "2024-02-30",
        "2024-3-5",
        "2024-03- 5",
        "0000-01-01",
        "２０２４-01-01",
        "20240101",
        "2024-02-29T00:00:00",
        "2023-02-29",
        "1900-02-29",
        "2000-02-29",
        "9999-12-31",
        "2024-00-10",
        "2024-13-01",
        "2024/01/01",
        "2024-01-0a",
        "0001-01-01",
        " 2024-01-01",
        "31.12.2024",
        "1.2.2024",
        "30.02.2024",
        "",
        "NA",
    ],
    "datetime": [
        "2024-01-01T24:00:00",
        "2024-02-30T10:00:00",
        "2024-01-01T10:00:60",
        "2024-01-01T10:00:00.5",
        "2024-01-01x09:00:00",
        "1970-01-01T00:00:00",
        "2024-01-01T10:00",
        "2024-01-01T25:00:00",
        "2024-01-01",
        "2024-1-1T10:00:00",
        "",
        "NA",
    ],
    "time": [
        "24:00:00",
        "23:59:60",
        "1:00:00",
        "10:00",
        "25:00:00",
        "10:00:00.5",
        "10:60:00",
        "T10:00:00",
        "",
        "NA",
    ],
    "year": ["0999", "+999", "２０２４", "0000", "99", "-001", "12345", " 202", "1e3", "", "NA"],
    "string": [
        "",
        " ",
        "NA",
        "-",
        "a\nb",
        "ab\n",
        "٣٤٥٦٧٨٩٠",
        "９００１２８４１",
        "3.1-04x",
        "x3.1-04",
        "A" * 130,
        "ÅÄÖ",
        "a|b",
        "abc\u2028",
        "emoji 😀",
        "\t",
        "a,b",
        'q"uote',
    ],
}
TZ_ODD = {  # frictionless cannot compare these with a bound: only where no bound or enum applies
    "datetime": ["2024-01-01T10:00:00Z", "2024-01-01T10:00:00+01:00", "2024-01-01T09:00:00-01:00"],
    "time": ["10:00:00Z", "10:00:00+01:00"],
}
UUIDS = ["2bc1c94f-0deb-43e9-92a1-4775189ec9f8", "2BC1C94F-0DEB-43E9-92A1-4775189EC9F8",
         "2bc1c94f0deb43e992a14775189ec9f8", "{2bc1c94f-0deb-43e9-92a1-4775189ec9f8}",
         "urn:uuid:2bc1c94f-0deb-43e9-92a1-4775189ec9f8", "2bc1c94f-0deb-43e9-92a1-4775189ec9fg",
         "not-a-uuid", "0" * 32, "2bc1c94f-0deb43e9-92a1-4775189ec9f8"]  # fmt: skip
EMAILS = ["anna@example.se", "anna.berg@kommun.se", "no-at-sign", "a@b", "@example.se", "x@y.zz"]
PATTERNS = ["[0-9]{4}", "[0-9]{8}", "3\\.[1-5]-[0-9]{2}", "3.1|3.2", "\\d+", "[A-Za-zåäöÅÄÖ ]+",
            "\\w+", "\\s*x", "(?i:abc)", "[^,]+", "x{2,3}y?", "[a-z]*\\b", "(ab)+\\1?", "(?=a)\\w+",
            "[[:alpha:]]+", "a{,2}", "\\D+", "..?", ".*"]  # fmt: skip
BOUNDS: dict[str, list[Any]] = {
    "integer": [0, 1, 2010, 100, "2018", -5],
    "number": [0, 55.0, 69.1, 100, "1.0", 0.1, -0.5],
    "date": ["2020-01-01", "2024-02-29", "1999-12-31"],
    "datetime": ["2020-01-01T00:00:00", "2024-01-01T10:00:00"],
    "time": ["10:00:00", "12:00:00"],
    "year": [1000, 2010, 2024],
}


def random_field(rng: random.Random, name: str) -> dict[str, Any]:  # noqa: C901, PLR0912  (one branch per type)
    kind = rng.choice(list(VALUES))
    field: dict[str, Any] = {"name": name, "type": kind}
    constraints: dict[str, Any] = {}
    if rng.random() < 0.4:
        constraints["required"] = True
    if rng.random() < 0.15:
        constraints["unique"] = True
    pool = VALUES[kind] + ODD[kind]
    if rng.random() < 0.25 and kind != "boolean":
        constraints["enum"] = rng.sample(pool if kind == "string" else VALUES[kind], 3)
    if kind == "date" and rng.random() < 0.2:
        field["format"] = "%d.%m.%Y"  # bounds would have to be written so too: none here
    elif kind in BOUNDS:
        for rule in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if rng.random() < 0.2:
                constraints[rule] = rng.choice(BOUNDS[kind])
    if kind == "string":
        if rng.random() < 0.3:
            constraints["minLength"] = rng.choice([1, 2, 3])
        if rng.random() < 0.3:
            constraints["maxLength"] = rng.choice([3, 8, 120])
        if rng.random() < 0.4:
            constraints["pattern"] = rng.choice(PATTERNS)
        if rng.random() < 0.15:
            field["format"] = rng.choice(["uuid", "email"])
    if kind == "boolean" and rng.random() < 0.3:
        field["trueValues"], field["falseValues"] = ["ja", "Ja", "1"], ["nej", "Nej", "0"]
    if kind == "number" and rng.random() < 0.1 and not constraints:  # bounds read with it too
        field["decimalChar"] = ","
    if rng.random() < 0.1:
        field["missingValues"] = rng.choice([["NA"], ["", "-"], []])
    if constraints:
        field["constraints"] = constraints
    return field


def cells_for(rng: random.Random, field: dict[str, Any], rows: int) -> list[str]:
    kind = field["type"]
    good = list(VALUES[kind])
    if field.get("format") == "uuid":
        good = UUIDS[:3]
    elif field.get("format") == "email":
        good = EMAILS[:2]
    odd = list(ODD[kind])
    if field.get("format") == "uuid":
        odd += UUIDS
    elif field.get("format") == "email":
        odd += EMAILS
    bounded = any(k in field.get("constraints", {}) for k in ("minimum", "maximum", "enum",
                  "exclusiveMinimum", "exclusiveMaximum"))  # fmt: skip
    if kind in TZ_ODD and not bounded:
        odd += TZ_ODD[kind]
    out = []
    for _ in range(rows):
        r = rng.random()
        if r < 0.55:
            out.append(rng.choice(good))
        elif r < 0.9:
            out.append(rng.choice(odd))
        else:
            out.append(rng.choice(out) if out else "")  # repeats, for unique and keys
    return out


def random_table(seed: int) -> tuple[dict[str, Any], dict[str, list[str]]]:
    rng = random.Random(seed)
    fields = [random_field(rng, f"f{i}") for i in range(rng.randint(2, 6))]
    descriptor: dict[str, Any] = {"fields": fields}
    if rng.random() < 0.5:
        descriptor["primaryKey"] = [f["name"] for f in rng.sample(fields, rng.randint(1, min(2, len(fields))))]
    descriptor["missingValues"] = rng.choice([[""], ["", "NA"], ["-", "NA"], [], [""]])
    rows = rng.randint(0, 45)
    columns = {f["name"]: cells_for(rng, f, rows) for f in fields}
    if rows and rng.random() < 0.3:  # a blank row
        at = rng.randrange(rows)
        for f in fields:
            missing = f.get("missingValues", descriptor["missingValues"])
            if missing:
                columns[f["name"]][at] = missing[0]
    return descriptor, columns


def prepared_table(columns: dict[str, list[str]], first_row: int = 2) -> PreparedTable:
    table = pa.table({name: pa.array(cells, pa.string()) for name, cells in columns.items()})
    return PreparedTable(table, "generated.csv", first_row, "line", {n: f"Kolumn {n}" for n in columns})


V2 = "https://datapackage.org/profiles/2.0/tableschema.json"


def schema_of(descriptor: dict[str, Any]) -> TableSchema:
    """A Table Schema v2 (exclusiveMinimum/Maximum are v2) from a bare descriptor."""
    return TableSchema({"$schema": V2, **descriptor}, Path("generated.schema.json"))


def both(
    descriptor: dict[str, Any], columns: dict[str, list[str]], first_row: int = 2
) -> tuple[ValidationReport, ValidationReport]:
    schema = schema_of(descriptor)
    prepared = prepared_table(columns, first_row)
    reference = validate_table("generated", prepared, schema, [])
    fast, _typed = validate_arrow("generated", prepared, schema, [])
    return reference, fast


def rows_of(report: ValidationReport) -> list[tuple[Any, ...]]:
    return [(e.row, e.column, e.rule, e.value, e.source_column, e.message) for e in report.errors]


def assert_same(descriptor: dict[str, Any], columns: dict[str, list[str]], first_row: int = 2) -> ValidationReport:
    reference, fast = both(descriptor, columns, first_row)
    assert fast.engine == "arrow", "the generator should only use rules the fast engine checks"
    assert {(e.row, e.column, e.rule) for e in fast.errors} == {(e.row, e.column, e.rule) for e in reference.errors}
    assert rows_of(fast) == rows_of(reference)
    return fast


SEEDS = 400


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")  # '[[:alpha:]]+', on purpose
@pytest.mark.parametrize("seed", range(SEEDS))
def test_random_tables_give_the_same_findings(seed: int) -> None:
    descriptor, columns = random_table(seed)
    assert_same(descriptor, columns, first_row=2 + seed % 4)


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")
def test_generator_covers_every_rule_and_type() -> None:
    """The seeds above do meet every rule (a guard against a generator that drifted)."""
    rules: set[str] = set()
    kinds: set[str] = set()
    for seed in range(SEEDS):
        descriptor, columns = random_table(seed)
        kinds |= {f["type"] for f in descriptor["fields"]}
        ref = validate_table("g", prepared_table(columns), schema_of(descriptor), [])
        rules |= {e.rule for e in ref.errors}
    assert kinds == set(VALUES)
    assert {
        "type",
        "required",
        "unique",
        "primary-key",
        "enum",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "pattern",
        "blank-row",
    } <= rules


@pytest.mark.parametrize("slug", ["bredband", "skolor-wifi", "strategi-uppfoljning"])
@pytest.mark.parametrize("seed", range(3))
def test_bundled_schemas_with_broken_rows(slug: str, seed: int) -> None:
    schema = load_schema(ROOT / "schemas" / f"{slug}.schema.json")
    rng = random.Random(seed)
    columns: dict[str, list[str]] = {}
    for field in schema.fields:
        kind = field["type"]
        enum = field.get("constraints", {}).get("enum")
        good = enum if enum else VALUES[kind]
        columns[field["name"]] = [rng.choice(good) if rng.random() < 0.8 else rng.choice(ODD[kind]) for _ in range(60)]
    key = schema.primary_key
    for i in range(0, 60, 7):  # repeat whole keys, composite ones included
        for name in key:
            columns[name][i] = columns[name][0]
    assert_same(schema.descriptor, columns, first_row=5)


def test_error_limit_cuts_where_frictionless_cuts() -> None:
    """More than ERROR_LIMIT errors: the same first ERROR_LIMIT, in the same order."""
    rows = ERROR_LIMIT // 3 + 50
    descriptor = {
        "fields": [
            {
                "name": "code",
                "type": "string",
                "constraints": {"required": True, "pattern": "[0-9]{4}"},
            },
            {"name": "n", "type": "integer", "constraints": {"maximum": 5, "unique": True}},
            {"name": "when", "type": "date"},
            {"name": "share", "type": "number", "constraints": {"minimum": 0}},
        ],
        "primaryKey": ["n", "code"],
    }
    columns = {"code": ["12a"] * rows, "n": [str(i % 900) for i in range(rows)],
               "when": ["2024-02-30"] * rows, "share": ["-1"] * rows}  # fmt: skip
    fast = assert_same(descriptor, columns)
    assert len(fast.errors) == ERROR_LIMIT


_CELL = st.text(alphabet=string.digits + "+-.:eETZ _,x" + "٣０é\n", max_size=22)


@pytest.mark.parametrize("kind", list(VALUES))
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    cells=st.lists(
        st.one_of(_CELL, st.sampled_from(ODD["date"] + ODD["number"] + ODD["datetime"])),
        max_size=12,
    )
)
def test_free_form_cells(kind: str, cells: list[str]) -> None:
    """Whatever the text, a cell is valid, missing or a type error the same way in both engines."""
    bounded = {
        "integer": 10,
        "number": 10.5,
        "year": 2000,
        "date": "2020-01-01",
        "time": "10:00:00",
        "datetime": "2020-01-01T00:00:00",
    }
    constraints: dict[str, Any] = {"unique": True}
    if kind in bounded:
        constraints["minimum"] = bounded[kind]
        cells = [c for c in cells if not _tz_aware(c)]
    assert_same({"fields": [{"name": "v", "type": kind, "constraints": constraints}]}, {"v": cells})


def _tz_aware(cell: str) -> bool:
    return len(cell) > 8 and ("Z" in cell[8:] or "+" in cell[8:] or "-" in cell[10:])


# Named differences: each is a case where the engines differ on purpose (docs/validation.md).


def test_named_difference_integer_beyond_int64() -> None:
    """frictionless accepts any whole number (Python int); Parquet's int64 cannot hold it."""
    reference, fast = both({"fields": [{"name": "n", "type": "integer"}]}, {"n": ["9223372036854775808"]})
    assert reference.errors == []
    assert [(e.row, e.column, e.rule) for e in fast.errors] == [(2, "n", "type")]


def test_named_difference_time_zone_against_a_naive_bound() -> None:
    """frictionless raises comparing '10:00:00Z' with a bound '09:00:00'; we report a type error."""
    descriptor = {"fields": [{"name": "t", "type": "time", "constraints": {"minimum": "09:00:00"}}]}
    with pytest.raises(TypeError):
        validate_table("g", prepared_table({"t": ["10:00:00Z"]}), schema_of(descriptor), [])
    fast, _ = validate_arrow("g", prepared_table({"t": ["10:00:00Z"]}), schema_of(descriptor), [])
    assert [(e.row, e.rule) for e in fast.errors] == [(2, "type")]


def test_named_difference_signalling_nan() -> None:
    """Decimal('sNaN') is a number to frictionless, and then its bound check raises."""
    descriptor = {"fields": [{"name": "x", "type": "number", "constraints": {"maximum": 1}}]}
    schema = schema_of(descriptor)
    with pytest.raises(ArithmeticError):
        validate_table("g", prepared_table({"x": ["sNaN"]}), schema, [])
    fast, _ = validate_arrow("g", prepared_table({"x": ["sNaN"]}), schema, [])
    assert [(e.row, e.rule) for e in fast.errors] == [(2, "type")]
