"""Every usual mistake of a steward gets one message naming the setting that fixes it.

The rows of issue 13's table, one test each, on a dataset scaffolded by `opendata new` from
the fixture files (a Windows-1252 ';' CSV with decimal commas; a sheet below two title rows).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendata import build
from opendata.errors import OpendataError
from opendata.manifest import load_manifest
from opendata.report import CellError, ValidationReport
from opendata.scaffold import scaffold

FIXTURES = Path(__file__).parent / "fixtures" / "steward"


def scaffolded(
    project: Path, name: str = "publik-wifi.csv", slug: str = "publik-wifi", sheet: str | None = None
) -> Path:
    scaffold(project, slug, FIXTURES / name, sheet, "ornskoldsvik")
    return project / "datasets" / slug / "dataset.yaml"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def report_of(project: Path, slug: str = "publik-wifi") -> ValidationReport:
    manifest = load_manifest(project / "datasets" / slug)
    raw = build.extract(manifest, record=False)
    return build.validate(manifest, build.parse(manifest, raw))[1]


def error_of(project: Path, slug: str = "publik-wifi") -> str:
    with pytest.raises(OpendataError) as caught:
        report_of(project, slug)
    return str(caught.value)


def test_the_scaffolded_datasets_are_valid(project: Path) -> None:
    scaffolded(project)
    scaffolded(project, "publik-wifi.xlsx", "wifi-excel", "Platser")
    assert report_of(project).valid
    assert report_of(project, "wifi-excel").valid


def test_utf8_file_declared_windows_1252_looks_like_utf8(project: Path) -> None:
    scaffolded(project)
    source = project / "datasets/publik-wifi/source/publik-wifi.csv"
    source.write_bytes(source.read_bytes().decode("windows-1252").encode("utf-8"))
    message = error_of(project)
    assert "looks like UTF-8" in message and "set encoding: utf-8" in message
    assert "anvÃ¤ndare" in message  # the garbling it prevented, shown


def test_an_encoding_that_loses_the_line_breaks_is_named(project: Path) -> None:
    edit(scaffolded(project), "encoding: windows-1252", "encoding: utf-16")
    message = error_of(project)
    assert "read as utf-16, the file has no line breaks; it looks like windows-1252" in message


def test_a_typo_in_a_schema_field_is_an_error_with_did_you_mean(project: Path) -> None:
    scaffolded(project)
    schema = project / "schemas/publik-wifi.schema.json"
    edit(schema, '"title": "Latitud"', '"titel": "Latitud"')
    edit(schema, '"description": "TODO: beskriv kolumnen \'Plats\'"', '"descripton": "Platsens namn"')
    message = error_of(project)
    assert "field 'latitud' has the unknown key 'titel' (did you mean 'title'?)" in message
    assert "field 'plats' has the unknown key 'descripton' (did you mean 'description'?)" in message


def test_the_projects_own_field_key_unit_is_allowed(project: Path) -> None:
    scaffolded(project)
    schema = project / "schemas/publik-wifi.schema.json"
    edit(schema, '"title": "Latitud"', '"title": "Latitud", "unit": "°"')
    assert report_of(project).valid


def test_an_unknown_constraint_key_is_named(project: Path) -> None:
    scaffolded(project)
    schema = project / "schemas/publik-wifi.schema.json"
    data = json.loads(schema.read_text(encoding="utf-8"))
    data["fields"][2]["constraints"]["minimun"] = 55
    schema.write_text(json.dumps(data), encoding="utf-8")
    assert "unknown key 'minimun' (did you mean 'minimum'?)" in error_of(project)


def test_a_wrong_header_in_columns_gets_did_you_mean(project: Path) -> None:
    edit(scaffolded(project), "Latitud: latitud", "Latitude: latitud")
    report = report_of(project)
    first = report.errors[0]
    assert first.rule == "missing-column"
    assert "has no such column (did you mean 'Latitud'?)" in first.message


def test_forgotten_decimal_comma_is_one_hint_not_one_error_per_cell(project: Path) -> None:
    manifest = scaffolded(project)
    edit(manifest, "decimal: ','\n", "")
    edit(manifest, "thousands: ' '\n", "")
    report = report_of(project)
    assert len(report.errors) == 1
    (hint,) = report.errors
    assert hint.rule == "number-format"
    assert 'add decimal: "," and thousands: " " under source:' in hint.message
    assert "22 cell(s) in column(s) 'Latitud', 'Longitud', 'Antal användare'" in hint.message
    assert "(and" not in report.summary()


def test_a_wrong_delimiter_suggests_the_one_that_splits_evenly(project: Path) -> None:
    edit(scaffolded(project), "delimiter: ;", "delimiter: ','")
    message = error_of(project)
    assert "set delimiter: ';' under source:" in message


def test_wrong_delimiter_and_wrong_encoding_together_give_a_sentence(
    project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    manifest = scaffolded(project)
    edit(manifest, "delimiter: ;", "delimiter: ','")
    edit(manifest, "encoding: windows-1252", "encoding: utf-8")
    message = error_of(project)
    assert "is not valid utf-8" in message and "'encoding'" in message
    assert "Traceback" not in capfd.readouterr().err


def test_excel_title_rows_without_header_row_suggest_header_row(project: Path) -> None:
    edit(scaffolded(project, "publik-wifi.xlsx", "wifi-excel", "Platser"), "header_row: 3\n", "")
    report = report_of(project, "wifi-excel")
    assert len(report.errors) == 1
    assert "it has: Publika wifi-platser, december 2026" in report.errors[0].message
    assert "set header_row: 3 under source:" in report.errors[0].message


def test_a_duplicate_primary_key_is_reported_once(project: Path) -> None:
    scaffolded(project)
    schema = project / "schemas/publik-wifi.schema.json"
    data = json.loads(schema.read_text(encoding="utf-8"))
    data["fields"][0]["constraints"]["unique"] = True  # 'plats' is the primaryKey too
    schema.write_text(json.dumps(data), encoding="utf-8")
    source = project / "datasets/publik-wifi/source/publik-wifi.csv"
    source.write_bytes(source.read_bytes().replace("Bjästa torg".encode("cp1252"), "Bredbyn centrum".encode("cp1252")))
    for engine in ("arrow", "frictionless"):
        manifest = load_manifest(project / "datasets/publik-wifi")
        report = build.validate(manifest, build.parse(manifest, build.extract(manifest, record=False)), engine)[1]
        assert [(e.rule, e.row) for e in report.errors] == [("primary-key", 10)], engine


def test_the_count_of_further_errors_says_errors() -> None:
    errors = [CellError("type", "expected a number", 2, "x"), CellError("type", "expected a number", 3, "x")]
    assert report_summary(errors).endswith("(and 1 more error)")
    assert report_summary([*errors, errors[0]]).endswith("(and 2 more errors)")


def report_summary(errors: list[CellError]) -> str:
    return ValidationReport("d", "f.csv", "s.json", 3, "line", errors).summary()


# Any combination of wrong dialect settings is a sentence (OpendataError) or a report, never a traceback.
DIALECTS = st.fixed_dictionaries(
    {
        "delimiter": st.sampled_from([";", ",", "\t", "|", ":"]),
        "encoding": st.sampled_from(["utf-8", "windows-1252", "latin-1", "utf-16", "ascii"]),
        "decimal": st.sampled_from([".", ","]),
        "thousands": st.sampled_from(["", " ", ".", ","]),
        "header_row": st.integers(min_value=1, max_value=14),
        "bom": st.booleans(),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dialect=DIALECTS, utf8_file=st.booleans())
def test_no_traceback_for_any_mix_of_wrong_dialect_settings(
    project: Path, dialect: dict[str, object], utf8_file: bool
) -> None:
    manifest = project / "datasets/publik-wifi/dataset.yaml"
    if not manifest.exists():
        scaffolded(project)
    text = manifest.read_text(encoding="utf-8")
    lines = [f"  {k}: {json.dumps(v)}" for k, v in dialect.items()]
    text = re.sub(
        r"(source:\n  type: csv\n  path: \S+\n)(?:  \w+: .*\n)*", lambda m: m.group(1) + "\n".join(lines) + "\n", text
    )
    manifest.write_text(text, encoding="utf-8")
    content = (FIXTURES / "publik-wifi.csv").read_bytes()
    if utf8_file:
        content = content.decode("windows-1252").encode("utf-8")
    (project / "datasets/publik-wifi/source/publik-wifi.csv").write_bytes(content)
    try:
        report = report_of(project)
    except OpendataError as exc:
        assert str(exc) and "Traceback" not in str(exc)
    else:
        assert report.valid or report.errors[0].message
