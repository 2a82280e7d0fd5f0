"""`opendata new`: a dataset scaffolded from a steward's file, its dialect declared, not guessed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from opendata.cli import app
from opendata.detect import guess_csv
from opendata.infer import field_name, infer_schema

FIXTURES = Path(__file__).parent / "fixtures" / "steward"
runner = CliRunner()


def new(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["new", *args, *(() if "--publisher" in args else ("--publisher", "ornskoldsvik"))])
    return result.exit_code, result.output


def test_a_new_dataset_names_its_publisher_and_takes_its_language(project: Path) -> None:
    code, out = new("publik-wifi", "--from", str(FIXTURES / "publik-wifi.csv"), "--publisher", "moss")
    assert code == 0, out
    manifest = yaml.safe_load((project / "datasets/publik-wifi/dataset.yaml").read_text(encoding="utf-8"))
    assert manifest["publisher"] == "moss" and set(manifest["title"]) == {"nb", "en"}
    result = runner.invoke(app, ["new", "other", "--from", str(FIXTURES / "publik-wifi.csv")])
    assert result.exit_code == 2 and "several publishers (moss, ornskoldsvik)" in result.output


def test_windows_1252_semicolon_csv_is_declared_with_its_dialect(project: Path) -> None:
    code, out = new("publik-wifi", "--from", str(FIXTURES / "publik-wifi.csv"))
    assert code == 0, out
    manifest = yaml.safe_load((project / "datasets/publik-wifi/dataset.yaml").read_text(encoding="utf-8"))
    assert manifest["source"] == {
        "type": "csv", "path": "source/publik-wifi.csv", "delimiter": ";",
        "encoding": "windows-1252", "decimal": ",", "thousands": " ",
    }  # fmt: skip
    assert manifest["columns"]["Antal användare"] == "antal_anvandare"
    assert (project / "datasets/publik-wifi/source/publik-wifi.csv").read_bytes() == (
        FIXTURES / "publik-wifi.csv"
    ).read_bytes()
    schema = json.loads((project / "schemas/publik-wifi.schema.json").read_text(encoding="utf-8"))
    types = {f["name"]: f["type"] for f in schema["fields"]}
    assert types == {
        "plats": "string", "adress": "string", "latitud": "number", "longitud": "number",
        "antal_anvandare": "integer", "status": "string", "installerad": "date",
    }  # fmt: skip
    status = next(f for f in schema["fields"] if f["name"] == "status")
    assert status["constraints"] == {"required": True, "enum": ["aktiv", "planerad", "ur drift"]}
    assert status["title"] == "Status" and status["description"].startswith("TODO")
    assert schema["primaryKey"] == ["plats"]
    assert "publik-wifi" in (project / "prefect.yaml").read_text(encoding="utf-8")
    assert "opendata validate publik-wifi" in out


def test_excel_header_below_two_title_rows_is_found(project: Path) -> None:
    code, out = new("wifi-excel", "--from", str(FIXTURES / "publik-wifi.xlsx"), "--sheet", "Platser")
    assert code == 0, out
    manifest = yaml.safe_load((project / "datasets/wifi-excel/dataset.yaml").read_text(encoding="utf-8"))
    assert manifest["source"]["header_row"] == 3
    schema = json.loads((project / "schemas/wifi-excel.schema.json").read_text(encoding="utf-8"))
    assert {f["name"]: f["type"] for f in schema["fields"]}["ar"] == "year"


def test_a_workbook_with_several_sheets_needs_sheet(project: Path) -> None:
    code, out = new("wifi-excel", "--from", str(FIXTURES / "publik-wifi.xlsx"))
    assert code == 2
    assert "--sheet" in out and "Platser" in out


@pytest.mark.parametrize("slug", ["../evil", "a/b", "Publik", "x"])
def test_a_slug_is_a_name_never_a_path(project: Path, slug: str) -> None:
    code, out = new(slug, "--from", str(FIXTURES / "publik-wifi.csv"))
    assert code == 2
    assert "is not a dataset slug" in out
    assert not (project / "evil").exists()


def test_an_existing_dataset_is_not_overwritten(project: Path) -> None:
    code, out = new("skolor-wifi", "--from", str(FIXTURES / "publik-wifi.csv"))
    assert code == 2 and "already exists" in out


def test_validate_lists_the_texts_to_write_and_publish_refuses(project: Path) -> None:
    assert new("publik-wifi", "--from", str(FIXTURES / "publik-wifi.csv"))[0] == 0
    done = runner.invoke(app, ["validate", "publik-wifi"])
    assert done.exit_code == 0, done.output
    assert "Still to write" in done.output and "field 'latitud': description" in done.output
    refused = runner.invoke(app, ["publish", "publik-wifi", "--target", "local"])
    assert refused.exit_code == 2
    assert "not published until it is described" in refused.output and "title.sv" in refused.output


def test_field_names_are_snake_case_ascii() -> None:
    assert field_name("Antal användare") == "antal_anvandare"
    assert field_name("Område (kod)") == "omrade_kod"
    assert field_name("Bygdøy ærlig") == "bygdoy_aerlig"
    assert field_name("2024") == "f_2024"


def test_utf8_with_bom_and_comma_csv() -> None:
    guess = guess_csv("\ufeffa,b\n1.5,x\n2.5,y\n".encode())
    assert (guess.encoding, guess.bom, guess.delimiter, guess.decimal) == ("utf-8", True, ",", ".")


def test_leading_zero_codes_stay_text_and_no_key_from_repeats() -> None:
    schema = infer_schema(["Kod", "Antal"], [["0123", "0456", "0789"], ["1", "1", "2"]])
    assert [f["type"] for f in schema["fields"]] == ["string", "integer"]
    assert schema["primaryKey"] == ["kod"]
