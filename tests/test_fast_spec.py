"""The fast engine reads each field's facts from the descriptor; they equal frictionless's own.

frictionless itself is imported only for cells and bounds that are not plain
(opendata.validate.fast.spec), so what the descriptor says must be what frictionless reads.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from frictionless import fields as frictionless_fields

from opendata.table_schema import ARROW_TYPES, TableSchema, load_schema
from opendata.validate.fast.spec import BOUNDS, SUPPORTED, field_specs
from tests.test_validator_differential import random_table, schema_of

ROOT = Path(__file__).resolve().parent.parent
CLASSES = {
    "string": frictionless_fields.StringField, "integer": frictionless_fields.IntegerField,
    "number": frictionless_fields.NumberField, "boolean": frictionless_fields.BooleanField,
    "date": frictionless_fields.DateField, "datetime": frictionless_fields.DatetimeField,
    "time": frictionless_fields.TimeField, "year": frictionless_fields.YearField,
}  # fmt: skip


def test_the_constraints_each_type_supports_are_frictionlesss_in_its_order() -> None:
    assert set(CLASSES) == set(ARROW_TYPES)
    for kind, cls in CLASSES.items():
        assert SUPPORTED[kind] == cls.supported_constraints, kind  # type: ignore[attr-defined]


def same_facts(schema: TableSchema) -> None:
    reference = schema.frictionless()
    for spec, field in zip(field_specs(schema), reference.fields, strict=True):
        assert (spec.name, spec.kind, spec.format) == (field.name, field.type, field.format or "default")
        assert spec.constraints == dict(field.constraints)
        own = field.has_defined("missing_values")
        assert spec.missing_values == list(field.missing_values if own else reference.missing_values)
        assert spec.checks == [c for c in field.supported_constraints if field.constraints.get(c) is not None]
        if spec.kind == "boolean":
            assert (spec.true_values, spec.false_values) == (field.true_values, field.false_values)  # type: ignore[attr-defined]
        options = ("bare_number", "decimal_char", "group_char")
        assert spec.custom_number == (spec.kind in ("number", "integer") and any(field.has_defined(o) for o in options))
        read = field.create_value_reader()
        for rule in spec.checks:
            value = spec.constraints[rule]
            if rule in BOUNDS:
                assert _typed(spec.limit(rule)) == _typed(read(value)), (spec.name, rule)
            elif rule == "enum":
                assert [_typed(v) for v in spec.limit(rule)] == [_typed(read(v)) for v in value], spec.name


def _typed(value: Any) -> tuple[type, Any]:
    return type(value), value


@pytest.mark.parametrize("path", sorted((ROOT / "schemas").glob("*.json")), ids=lambda p: p.name)
def test_bundled_schemas(path: Path) -> None:
    same_facts(load_schema(path))


@pytest.mark.parametrize("seed", range(60))
def test_random_schemas_of_the_differential_test(seed: int) -> None:
    descriptor, _ = random_table(seed)
    same_facts(schema_of(descriptor))


def test_plain_bounds_of_every_json_kind() -> None:
    rng = random.Random(7)
    fields: list[dict[str, Any]] = []
    for i, (kind, value) in enumerate(
        [("integer", 3), ("integer", 3.0), ("integer", "4"), ("integer", True), ("number", 2), ("number", 2.5),
         ("number", 0.1), ("number", "1.5"), ("number", False), ("year", 2020), ("date", "2024-01-01")]
    ):  # fmt: skip
        fields.append({"name": f"f{i}", "type": kind, "constraints": {rng.choice(BOUNDS): value}})
    fields.append({"name": "s", "type": "string", "constraints": {"enum": ["a", "b"]}})
    fields.append({"name": "n", "type": "number", "floatNumber": True, "constraints": {"minimum": 0.5}})
    fields.append({"name": "g", "type": "number", "groupChar": " ", "constraints": {"maximum": 10}})
    same_facts(schema_of({"fields": fields}))


def test_a_schema_accepted_once_is_not_checked_again_but_a_changed_one_is(tmp_path: Path, monkeypatch: Any) -> None:
    from opendata.errors import ManifestError

    monkeypatch.setenv("OPENDATA_BUILD", str(tmp_path / "build"))
    path = tmp_path / "t.schema.json"
    path.write_text('{"fields": [{"name": "a", "type": "integer"}]}', encoding="utf-8")
    load_schema(path)
    marks = list((tmp_path / "build" / ".cache" / "schemas").glob("*.accepted"))
    assert len(marks) == 1
    path.write_text('{"fields": [{"name": "a", "type": "integer", "constraints": {"minLength": "x"}}]}', "utf-8")
    with pytest.raises(ManifestError, match="not a valid Table Schema"):
        load_schema(path)
    assert list((tmp_path / "build" / ".cache" / "schemas").glob("*.accepted")) == marks  # no mark for a refusal
