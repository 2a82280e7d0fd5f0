"""Commands that need no orchestration never import Prefect (nor the CKAN client).

Each runs in a fresh interpreter, because this test process has Prefect loaded already. How
long they take is measured in bench/ (bench/main_job.py --commands), not here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = {"prefect", "ckanapi", "frictionless", "pandas", "pyarrow", "requests", "openpyxl"}

PROBE = """
import json, os, sys
from opendata.cli import app
try:
    app(sys.argv[1:], standalone_mode=True)
except SystemExit as exit:
    code = exit.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(os.environ["PROBE_HEAVY"].split()))
print("PROBE" + json.dumps({"code": code, "heavy": heavy}))
"""


def probe(project: Path, *args: str) -> dict[str, object]:
    shutil.copy(ROOT / "prefect.yaml", project / "prefect.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CKAN_"))}
    env.update(OPENDATA_HOME=str(project), COLUMNS="120", PROBE_HEAVY=" ".join(HEAVY))
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("PROBE")), None)
    assert line, done.stdout + done.stderr
    result: dict[str, object] = json.loads(line.removeprefix("PROBE"))
    return result


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["list"],
        ["validate", "strategi-uppfoljning"],
        ["deployments", "--check"],
        ["new", "publik-wifi", "--from", str(ROOT / "tests/fixtures/steward/publik-wifi.csv"), "--publisher", "moss"],
        ["status"],
        ["history", "skolor-wifi"],
    ],
    ids=lambda a: " ".join(a),
)
def test_light_commands_import_neither_prefect_nor_ckan(project: Path, args: list[str]) -> None:
    result = probe(project, *args)
    assert result["code"] in (0, None)
    assert "prefect" not in result["heavy"]  # type: ignore[operator]
    assert "ckanapi" not in result["heavy"]  # type: ignore[operator]


def test_a_csv_dataset_validates_without_network_or_excel_libraries(project: Path) -> None:
    result = probe(project, "validate", "strategi-uppfoljning")
    assert result["code"] == 0
    assert "requests" not in result["heavy"]  # type: ignore[operator]
    assert "openpyxl" not in result["heavy"]  # type: ignore[operator]


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["list"], ["deployments", "--check"]], ids=" ".join)
def test_commands_that_read_only_manifests_import_no_data_library(project: Path, args: list[str]) -> None:
    """Manifests are read with the source settings models alone (opendata.sources.settings):
    neither the sources' implementations (requests, openpyxl, pyarrow) nor the schema's
    library (frictionless), nor pandas."""
    result = probe(project, *args)
    assert result["code"] in (0, None)
    assert result["heavy"] == []


def test_the_cli_module_runs_as_a_script(project: Path) -> None:
    """`python -m opendata.cli list` works as `opendata list` (no circular import of cli_steward)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CKAN_"))}
    env.update(OPENDATA_HOME=str(project), COLUMNS="120")
    command = [sys.executable, "-m", "opendata.cli", "list"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "skolor-wifi" in done.stdout and "Traceback" not in done.stderr


@pytest.mark.parametrize("slug", ["strategi-uppfoljning", "skolor-wifi", "nyckeltal", "moss-strategi-tiltak"])
def test_validate_of_plain_valid_data_imports_neither_pandas_nor_frictionless(project: Path, slug: str) -> None:
    """pyarrow imports pandas on its first conversion of a Python object; the validate step
    builds its arrays from buffers instead (opendata.arrow_build). frictionless checks the
    schema the first time only (its verdict is kept for those exact contents), and reads no
    plain cell (opendata.validate.fast.spec). Each is about half a second of the command."""
    first = probe(project, "validate", slug)
    assert first["code"] == 0
    assert "pandas" not in first["heavy"]  # type: ignore[operator]
    assert "frictionless" in first["heavy"]  # type: ignore[operator]  # a schema not seen before
    again = probe(project, "validate", slug)
    assert again["code"] == 0
    assert "pyarrow" in again["heavy"]  # type: ignore[operator]  # the check did run
    assert "pandas" not in again["heavy"]  # type: ignore[operator]
    assert "frictionless" not in again["heavy"]  # type: ignore[operator]
