"""The manifest model: bundled manifests load; typos and wrong values get steward-readable errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from opendata.errors import ManifestError
from opendata.manifest import discover, load_manifest
from tests.helpers import BASE_MANIFEST

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, data: dict[str, Any], slug: str = "test-data") -> Path:
    folder = tmp_path / "datasets" / slug
    folder.mkdir(parents=True)
    (folder / "dataset.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def manifest(**changes: object) -> dict[str, Any]:
    return {**BASE_MANIFEST, "source": {"type": "csv", "path": "source/data.csv"}, **changes}


def error_of(tmp_path: Path, data: dict[str, Any]) -> str:
    with pytest.raises(ManifestError) as info:
        load_manifest(write(tmp_path, data))
    return str(info.value)


def test_every_bundled_manifest_loads_with_its_schema_file() -> None:
    folders = discover(ROOT / "datasets")
    assert {f.name for f in folders} >= {"strategi-uppfoljning", "bredband", "skolor-wifi"}
    for folder in folders:
        m = load_manifest(folder)
        assert m.slug == folder.name
        assert m.schema_path.is_file(), m.schema_path
        assert m.title.root.keys() >= {m.language, "en"}  # the publisher's language and English


def test_defaults_are_merged_under_the_manifest() -> None:
    m = load_manifest(ROOT / "datasets" / "bredband")
    assert m.publisher.name == "Örnsköldsviks kommun"  # from publishers/ornskoldsvik.yaml
    assert m.publisher.id == "ornskoldsvik"
    assert m.schedule.cron == "0 6 1 4 *"  # the manifest's own value wins
    assert m.schedule.timezone == "Europe/Stockholm"  # ...and the rest of the block is kept


def test_unknown_top_level_key_names_file_key_and_suggestion(tmp_path: Path) -> None:
    message = error_of(tmp_path, manifest(titel={"sv": "x", "en": "y"}))
    assert "dataset.yaml" in message
    assert "unknown key 'titel'" in message
    assert "did you mean 'title'" in message


def test_unknown_nested_key_lists_the_allowed_keys(tmp_path: Path) -> None:
    message = error_of(tmp_path, manifest(source={"type": "csv", "path": "a.csv", "delimitter": ";"}))
    assert "unknown key 'source.delimitter'" in message
    assert "did you mean 'delimiter'" in message
    assert "encoding" in message  # allowed keys of a csv source are listed


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"license": "MIT"}, "'license': 'MIT' is not allowed; use one of"),
        ({"themes": ["SPORT"]}, "'themes[0]': 'SPORT' is not allowed"),
        ({"frequency": "yearly"}, "'frequency'"),
        ({"schedule": {"cron": "every day"}}, "cron needs five fields"),
        ({"schedule": {"cron": "0 6 * * *", "timezone": "Mars/Olympus"}}, "unknown time zone 'Mars/Olympus'"),
        ({"title": {"sv": "Bara svenska"}}, "'title' needs a text in en"),
        ({"contact": {"name": "A B", "email": "not-an-address"}}, "'contact.email'"),
        ({"source": {"type": "ftp", "path": "x"}}, "'ftp' is not a known source type"),
        ({"source": {"type": "csv", "path": "x", "encoding": "klingon"}}, "unknown encoding 'klingon'"),
        ({"source": {"type": "excel", "path": "x.xlsx"}}, "missing required key 'source.sheet'"),
        ({"columns": {"A": "a", "B": "a"}}, "maps two source columns to the same field"),
    ],
)
def test_wrong_values_say_what_is_allowed(tmp_path: Path, change: dict[str, Any], expected: str) -> None:
    assert expected in error_of(tmp_path, manifest(**change))


def test_slug_must_match_folder(tmp_path: Path) -> None:
    assert "must equal the folder name" in error_of(tmp_path, manifest(slug="other-name"))


def test_broken_yaml_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "datasets" / "test-data"
    folder.mkdir(parents=True)
    (folder / "dataset.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="not valid YAML"):
        load_manifest(folder)


def test_missing_manifest_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"dataset\.yaml: file not found"):
        load_manifest(tmp_path / "nope")
