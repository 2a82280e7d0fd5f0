"""Every environment variable the project reads, in one model: its name, default and meaning.

Modules ask ``settings()`` instead of reading ``os.environ``: one place says what can be set,
a bad value is one sentence naming the variable, and ``docs/settings.md`` is generated from
this model (``python -m opendata.settings``; a test keeps it current). ``settings()`` reads
the environment on every call (and builds the model again when it changed), so a value set
while the process runs (a test, ``make``) counts.

Variables only the shell scripts read (``scripts/ckan-up.sh``, ``scripts/serve.sh``) are
listed too, under "scripts", so the table is the whole list; Python never reads those.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from opendata.errors import OpendataError
from opendata.paths import ensure_outside_datasets

MIB = 1024 * 1024
PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # the checkout holding datasets/


class SettingsError(OpendataError):
    """An environment variable holds a value the project cannot use."""


def _env(
    name: str, default: Any, meaning: str, group: str, *, shown_default: str | None = None, scripts: bool = False
) -> Any:
    """A field read from the variable ``name``; ``group`` and ``shown_default`` feed docs/settings.md."""
    extra: dict[str, Any] = {"group": group, "shown_default": shown_default, "scripts": scripts}
    return Field(default, description=meaning, validation_alias=AliasChoices(name), json_schema_extra=extra)


class Settings(BaseSettings):
    """The project's environment. An empty variable counts as unset."""

    model_config = SettingsConfigDict(env_ignore_empty=True, extra="ignore", frozen=True, populate_by_name=False)

    # Paths
    home: Path | None = _env(
        "OPENDATA_HOME", None, "The project folder: `datasets/` is read from it.", "paths", shown_default="the checkout"
    )
    build: Path | None = _env(
        "OPENDATA_BUILD", None, "Where builds and the local catalog are written; never inside `datasets/`.", "paths",
        shown_default="`<home>/build`",
    )  # fmt: skip
    archive: Path | None = _env(
        "OPENDATA_ARCHIVE", None, "Where runs archive raw source snapshots (replay reads them).", "paths",
        shown_default="`<home>/archive`",
    )  # fmt: skip
    allowed_roots: str = _env(
        "OPENDATA_ALLOWED_ROOTS", "", "Extra folders a manifest's source path may point into (`:`-separated).",
        "paths", shown_default="none",
    )  # fmt: skip

    # Validation and limits
    validator: Literal["arrow", "frictionless"] = _env(
        "OPENDATA_VALIDATOR", "arrow", "The validator: `arrow` (fast) or `frictionless` (the reference).", "validation"
    )
    max_source_bytes: int = _env(
        "OPENDATA_MAX_SOURCE_BYTES", 1024 * MIB, "Largest source file read, in bytes.", "validation"
    )
    max_xlsx_bytes: int = _env(
        "OPENDATA_MAX_XLSX_BYTES", 512 * MIB, "Largest unpacked size of a workbook, in bytes.", "validation"
    )
    stream_bytes: int = _env(
        "OPENDATA_STREAM_BYTES", 64 * MIB, "Largest CSV file read whole into memory; larger ones are read in batches.",
        "validation",
    )  # fmt: skip
    stream_block_bytes: int = _env(
        "OPENDATA_STREAM_BLOCK_BYTES", 4 * MIB, "Arrow's read block when a CSV file is read in batches (bytes).",
        "validation",
    )  # fmt: skip
    stream_tmp: str | None = _env(
        "OPENDATA_STREAM_TMP", None, "Where a streamed file's typed batches are staged.", "validation",
        shown_default="the system's temporary folder",
    )  # fmt: skip
    max_cells: int = _env("OPENDATA_MAX_CELLS", 50_000_000, "Most cells read from one sheet.", "validation")
    max_cell_bytes: int = _env("OPENDATA_MAX_CELL_BYTES", 1 * MIB, "Largest single cell, in bytes.", "validation")

    # Local catalog
    portal_url: str | None = _env(
        "OPENDATA_PORTAL_URL", None, "A portal the static site links to (its header link).", "local catalog",
        shown_default="none",
    )  # fmt: skip
    catalog_base_url: str | None = _env(
        "OPENDATA_CATALOG_BASE_URL", None, "The public address of `build/catalog`, used in its DCAT files.",
        "local catalog", shown_default="the folder's file:// URL",
    )  # fmt: skip

    # CKAN
    ckan_url: str | None = _env(
        "CKAN_URL", None, "The CKAN portal; when set, target `auto` publishes there.", "ckan", shown_default="none"
    )
    ckan_api_token: str | None = _env(
        "CKAN_API_TOKEN", None, "API token of the publishing user (deployments: the Secret block `ckan-api-token`).",
        "ckan", shown_default="none",
    )  # fmt: skip
    ckan_dataset_prefix: str = _env(
        "CKAN_DATASET_PREFIX", "", "Prepended to every CKAN dataset name (the tests use it).", "ckan",
        shown_default="none",
    )  # fmt: skip
    ckan_lease_wait: float | None = _env(
        "CKAN_LEASE_WAIT", None, "Seconds to wait for another run's lease on a dataset.", "ckan",
        shown_default="600",
    )  # fmt: skip
    ckan_datastore_load: str | None = _env(
        "CKAN_DATASTORE_LOAD", None, "How DataStore tables are loaded: `auto`, `api` or `xloader` (docs/ckan.md).",
        "ckan", shown_default="auto",
    )  # fmt: skip
    ckan_datastore_concurrency: str | None = _env(
        "CKAN_DATASTORE_CONCURRENCY", None, "DataStore insert calls in flight on the API path (1 to 8).", "ckan",
        shown_default="1",
    )  # fmt: skip
    ckan_deadline: float = _env(
        "OPENDATA_CKAN_DEADLINE", 1800.0, "Seconds one dataset may spend on the portal, over every call.", "ckan"
    )

    fan_out: bool = _env(
        "OPENDATA_FAN_OUT", True, "`publish-all` run by a worker starts one flow run per dataset (0: subflows).",
        "prefect",
    )  # fmt: skip

    # Prefect (text: flows/prefect_api.py checks them and says what to do)
    prefect_home: Path | None = _env(
        "PREFECT_HOME", None, "Prefect's folder (its database, the local server's pid and log).", "prefect",
        shown_default="`<home>/.prefect`",
    )  # fmt: skip
    prefect_api_url: str | None = _env(
        "PREFECT_API_URL", None, "A Prefect server to use instead of the project's own.", "prefect",
        shown_default="the project's server",
    )  # fmt: skip
    prefect_server: str = _env(
        "OPENDATA_PREFECT_SERVER", "keep", "`keep` a local server running between commands, or a `temporary` one.",
        "prefect",
    )  # fmt: skip
    prefect_start_timeout: str | None = _env(
        "OPENDATA_PREFECT_START_TIMEOUT", None, "Seconds to wait for a Prefect server to start.", "prefect",
        shown_default="300",
    )  # fmt: skip
    prefect_server_host: str = _env(
        "PREFECT_SERVER_API_HOST", "127.0.0.1", "Address the local Prefect server listens on.", "prefect"
    )
    prefect_server_port: str | None = _env(
        "PREFECT_SERVER_API_PORT", None, "Port of the local Prefect server (it must be free).", "prefect",
        shown_default="4200, else any free port",
    )  # fmt: skip

    # Read by the shell scripts only (text: Python never parses them)
    ckan_concurrency: str = _env(
        "CKAN_CONCURRENCY", "2", "Flow runs that may talk to the portal at once (`ckan-portal` limit).", "scripts",
        scripts=True,
    )  # fmt: skip
    ckan_catalog_publisher: str = _env(
        "CKAN_CATALOG_PUBLISHER", "ornskoldsvik", "The `publishers/` file the test portal's catalog names.",
        "scripts", scripts=True,
    )  # fmt: skip
    ckan_port: str = _env("CKAN_PORT", "5055", "Port of the CKAN test portal.", "scripts", scripts=True)
    ckan_db: str = _env("CKAN_DB", "ckan_test", "PostgreSQL database of the test portal.", "scripts", scripts=True)
    ckan_datastore_db: str = _env(
        "CKAN_DATASTORE_DB", "datastore_test", "PostgreSQL database of the test portal's DataStore.", "scripts",
        scripts=True,
    )  # fmt: skip
    ckan_prefect_db: str = _env(
        "CKAN_PREFECT_DB", "", "PostgreSQL database of the Prefect server in the two-worker test.", "scripts",
        shown_default="<CKAN_DB>_prefect", scripts=True,
    )  # fmt: skip
    ckan_db_user: str = _env(
        "CKAN_DB_USER", "ckan_default", "PostgreSQL role of the test portal.", "scripts", scripts=True
    )
    ckan_db_password: str = _env(
        "CKAN_DB_PASSWORD", "ckan_test_pw", "Password of that role (a throw-away local cluster only).", "scripts",
        scripts=True,
    )  # fmt: skip
    ckan_datastore_ro_user: str = _env(
        "CKAN_DATASTORE_RO_USER", "datastore_ro", "Read-only PostgreSQL role of the DataStore.", "scripts", scripts=True
    )
    ckan_pg_version: str = _env("CKAN_PG_VERSION", "15", "PostgreSQL major version to use.", "scripts", scripts=True)
    ckan_pg_cluster: str = _env("CKAN_PG_CLUSTER", "main", "PostgreSQL cluster name.", "scripts", scripts=True)
    ckan_python: str = _env(
        "CKAN_PYTHON", "python3", "Python that builds the portal's virtualenv.", "scripts", scripts=True
    )
    ckan_down_dry_run: str = _env(
        "CKAN_DOWN_DRY_RUN", "", "`1`: `ckan-down.sh` says what it would stop, and stops nothing.", "scripts",
        scripts=True, shown_default="unset",
    )  # fmt: skip
    ckan_pg_port: str = _env("CKAN_PG_PORT", "5432", "PostgreSQL port the test portal uses.", "scripts", scripts=True)
    ckan_redis_port: str = _env("CKAN_REDIS_PORT", "6379", "Redis port the test portal uses.", "scripts", scripts=True)
    ckan_start_timeout: str = _env(
        "CKAN_START_TIMEOUT", "60", "Seconds `ckan-up.sh` waits for the portal to answer.", "scripts", scripts=True
    )
    ckan_datastore_executemany: str = _env(
        "CKAN_DATASTORE_EXECUTEMANY", "values_only",
        "How the test portal's DataStore sends many rows (`values_plus_batch`: in pages; docs/ckan.md).", "scripts",
        scripts=True,
    )  # fmt: skip
    chromium: str = _env(
        "OPENDATA_CHROMIUM", "/usr/bin/chromium", "The browser the site's browser tests drive.", "scripts", scripts=True
    )

    @classmethod
    def of(cls, environ: Mapping[str, str]) -> Settings:
        """From ``environ`` only, not the process's environment (tests, a deployment's job variables)."""
        return _Given.model_validate({k: v for k, v in environ.items() if v != ""})

    @property
    def project_root(self) -> Path:
        return self.home.resolve() if self.home else PACKAGE_ROOT

    @property
    def datasets_dir(self) -> Path:
        return self.project_root / "datasets"

    @property
    def build_root(self) -> Path:
        """Never a dataset's folder: it is rewritten."""
        root = self.build.resolve() if self.build else self.project_root / "build"
        return ensure_outside_datasets(root, self.datasets_dir, "build", "OPENDATA_BUILD")


class _Given(Settings):
    """Settings from the keyword arguments alone."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


_last: tuple[tuple[tuple[str, str], ...], Settings] | None = None


def settings() -> Settings:
    """The environment as it is now; a value the model refuses is one sentence naming the variable.

    Built again only when the environment changed since the last call (the model is frozen):
    a run asks about a hundred times, and each build costs 3 to 8 ms of CPU."""
    global _last
    environ = tuple(os.environ.items())
    last = _last
    if last is not None and last[0] == environ:
        return last[1]
    try:
        built = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "a setting"
        value = os.environ.get(name, "")
        raise SettingsError(
            f"{name}={value!r}: {first['msg'].lower()}; fix or unset {name} (docs/settings.md)"
        ) from None
    _last = (environ, built)
    return built


# Convenience for the common paths (they read the environment each time).
def project_root() -> Path:
    return settings().project_root


def datasets_dir() -> Path:
    return settings().datasets_dir


def build_root() -> Path:
    return settings().build_root


def env_name(field: str) -> str:
    """The variable behind a field, e.g. ``ckan_url`` -> ``CKAN_URL``."""
    alias = Settings.model_fields[field].validation_alias
    assert isinstance(alias, AliasChoices)
    return str(alias.choices[0])


def markdown_table() -> str:
    """docs/settings.md: every variable, grouped, with default and meaning."""
    lines = [
        "# Settings",
        "",
        "Every environment variable the project reads, generated from `opendata/settings.py`",
        "(`python -m opendata.settings > docs/settings.md`; `tests/test_settings.py` checks it is current).",
        "An empty variable counts as unset.",
    ]
    group = None
    for name, info in Settings.model_fields.items():
        extra = _extra(info)
        if extra["group"] != group:
            group = extra["group"]
            lines += ["", f"## {str(group).capitalize()}", "", "| Variable | Default | Meaning |", "|---|---|---|"]
        default = extra["shown_default"] or (f"`{info.default}`" if info.default not in (None, "") else "none")
        lines.append(f"| `{env_name(name)}` | {default} | {info.description} |")
    lines += [
        "",
        "A manifest's `headers_from_env` (http, Kolada and Skolverket sources) names further variables, one",
        "per HTTP header (an API key, for example); the run fails naming the variable when it is unset.",
    ]
    return "\n".join(lines) + "\n"


def _extra(info: FieldInfo) -> dict[str, Any]:
    extra = info.json_schema_extra
    assert isinstance(extra, dict)
    return dict(extra)


if __name__ == "__main__":
    print(markdown_table(), end="")
