"""The settings model is the whole list of environment variables, and docs/settings.md is its table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from opendata.settings import Settings, SettingsError, env_name, markdown_table, settings

ROOT = Path(__file__).resolve().parent.parent
READ = re.compile(r"""(?:environ\.get|getenv|environ\[|environ\.setdefault)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")
SHELL = re.compile(r"\$\{([A-Z][A-Z0-9_]+):-")
# Set by the project for Prefect's own use (no telemetry, its startup timeout, its log level); never read.
WRITTEN_ONLY = {
    "PREFECT_SERVER_ANALYTICS_ENABLED",
    "DO_NOT_TRACK",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
    "PREFECT_CLIENT_CSRF_SUPPORT_ENABLED",
}
SHELL_INTERNAL = {"HOSTNAME", "OUR_DB", "OUR_DS_DB", "OUR_REDIS_PORT", "PREFECT_SERVER_DATABASE_CONNECTION_URL"}


def _modelled() -> set[str]:
    return {env_name(name) for name in Settings.model_fields}


def test_every_variable_the_code_reads_is_in_the_model() -> None:
    read: set[str] = set()
    for package in ("opendata", "publish", "flows", "scripts"):
        for path in (ROOT / package).rglob("*.py"):
            read |= set(READ.findall(path.read_text(encoding="utf-8")))
    for path in (ROOT / "scripts").glob("*.sh"):
        read |= set(SHELL.findall(path.read_text(encoding="utf-8")))
    read = {v for v in read if not v.startswith("PREFECT_LOGGING_")}
    assert read - WRITTEN_ONLY - SHELL_INTERNAL <= _modelled(), sorted(read - WRITTEN_ONLY - _modelled())


def test_no_module_reads_a_modelled_variable_directly() -> None:
    """They ask ``settings()``: a second reader could give the variable another default."""
    for package in ("opendata", "publish", "flows"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "settings.py":
                continue
            direct = set(re.findall(r"""environ\.get\(\s*["']([A-Z0-9_]+)""", path.read_text(encoding="utf-8")))
            assert not direct & _modelled(), (path, direct & _modelled())


def test_docs_table_is_generated_from_the_model() -> None:
    assert (ROOT / "docs/settings.md").read_text(encoding="utf-8") == markdown_table(), (
        "docs/settings.md is stale: run `.venv/bin/python -m opendata.settings > docs/settings.md`"
    )


def test_values_come_from_the_environment_each_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENDATA_BUILD", str(tmp_path / "b"))
    monkeypatch.setenv("OPENDATA_MAX_CELLS", "12")
    monkeypatch.setenv("CKAN_DATASET_PREFIX", "")  # empty counts as unset
    assert settings().build_root == (tmp_path / "b").resolve()
    assert settings().max_cells == 12 and settings().ckan_dataset_prefix == ""
    monkeypatch.setenv("OPENDATA_MAX_CELLS", "13")
    assert settings().max_cells == 13


def test_a_bad_value_is_one_sentence_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENDATA_CKAN_DEADLINE", "soon")
    with pytest.raises(SettingsError, match=r"^OPENDATA_CKAN_DEADLINE='soon': .*fix or unset OPENDATA_CKAN_DEADLINE"):
        settings()
    monkeypatch.setenv("OPENDATA_CKAN_DEADLINE", "60")
    monkeypatch.setenv("OPENDATA_VALIDATOR", "pandas")
    with pytest.raises(SettingsError, match=r"OPENDATA_VALIDATOR='pandas'.*'arrow' or 'frictionless'"):
        settings()


def test_of_reads_only_the_mapping_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CKAN_URL", "http://elsewhere.invalid")
    assert Settings.of({"CKAN_DATASET_PREFIX": "p-"}).ckan_url is None
    assert Settings.of({"CKAN_URL": "http://x.invalid"}).ckan_url == "http://x.invalid"
