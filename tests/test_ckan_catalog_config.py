"""scripts/ckan_catalog_config.py: the portal's catalog settings follow the publisher's country."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "ckan_catalog_config.py"


@pytest.fixture(scope="module")
def config():
    spec = importlib.util.spec_from_file_location("ckan_catalog_config", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bundled_swedish_publisher_gets_dcat_ap_se_settings(config) -> None:
    s = config.settings(config.publisher_facts())
    p = "ckanext.opendata.catalog."
    assert s[p + "publisher.uri"] == "http://dataportal.se/organisation/SE2120002445"
    assert s[p + "languages"] == "sv en"
    assert s[p + "title.sv"] == "Öppna data från Örnsköldsviks kommun"
    assert s[p + "license"] == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert s[p + "format_as_literal"] == "true"
    labels = json.loads(s[p + "concept_labels"])
    assert labels["http://publications.europa.eu/resource/authority/data-theme/TECH"] == "Science and technology"


def test_a_norwegian_publisher_gets_dcat_ap_no_settings(config) -> None:
    s = config.settings({"name": "Eksempel kommune", "country": "NO", "organization_number": "123456789"})
    p = "ckanext.opendata.catalog."
    assert s[p + "publisher.uri"] == "https://data.brreg.no/enhetsregisteret/api/enheter/123456789"
    assert s[p + "languages"] == "nb en" and s[p + "format_as_literal"] == "false"
    assert s[p + "language_uris"].split()[0].endswith("/language/NOB")


def test_a_missing_fact_names_the_file_and_the_key(config, tmp_path: Path) -> None:
    source = tmp_path / "_defaults.yaml"
    source.write_text("publisher:\n  name: Eksempel kommune\n  country: SE\n", encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        config.publisher_facts(source)
    assert str(stop.value) == (
        f"{source}: publisher.organization_number is not set; the portal's DCAT catalog needs it: set it there"
    )
