"""End to end: the command `make run` runs, in a fresh process on embedded defaults, on a busy machine.

No Prefect server is configured: the command starts this project's local server itself (and
keeps it for the next run), and with no CKAN_URL the local catalog is the target, exactly as
on a newcomer's machine. Both cores are kept busy meanwhile (a municipal server is never
idle): the first run also has to create Prefect's database, which under load has taken over a
minute, where Prefect's own default wait is 20 s.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import cpu_burner

pytestmark = pytest.mark.slow


def clean_env(project: Path, **extra: str) -> dict[str, str]:
    """A newcomer's environment: no Prefect API, no CKAN, this project's own PREFECT_HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CKAN_", "OPENDATA_", "DO_NOT"))}
    env.update(OPENDATA_HOME=str(project), PREFECT_HOME=str(project / ".prefect"), COLUMNS="80", **extra)
    return env


def run_main_job(project: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opendata", "publish", "--all", *args],
        env=clean_env(project, **extra),
        cwd=project,  # as `make run` does: paths in the summary are relative to the project
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture
def own_server(project: Path) -> Iterator[Path]:
    """Whatever server the runs start under the project's PREFECT_HOME is stopped afterwards."""
    yield project / ".prefect"
    subprocess.run([sys.executable, "-m", "flows.prefect_api", "stop"], env=clean_env(project), check=False, timeout=60)


def hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def test_main_job_on_a_busy_machine_publishes_everything_and_a_rerun_changes_nothing(
    project: Path, own_server: Path
) -> None:
    with cpu_burner(seconds=600):
        first = run_main_job(project)
        catalog_dir = project / "build/catalog"
        before = hashes(catalog_dir) if catalog_dir.is_dir() else {}
        second = run_main_job(project)

    assert first.returncode == 0, first.stdout + first.stderr
    assert "Traceback" not in first.stdout + first.stderr
    assert "Started this project's Prefect server" in first.stdout
    catalog = json.loads((catalog_dir / "catalog.json").read_text(encoding="utf-8"))
    slugs = sorted(p.parent.name for p in (project / "datasets").glob("*/dataset.yaml"))
    assert sorted(catalog["datasets"]) == slugs
    for slug in slugs:
        for name in (
            "data.csv",
            "data.parquet",
            "data.xlsx",
            "datapackage.json",
            "schema.json",
            "validation-report.json",
        ):
            assert (catalog_dir / slug / name).is_file()
        assert (catalog_dir / f"{slug}.html").is_file() and (catalog_dir / f"{slug}.en.html").is_file()
    assert (catalog_dir / "index.html").is_file()
    assert "created" in first.stdout

    assert second.returncode == 0, second.stdout + second.stderr
    assert "Traceback" not in second.stdout + second.stderr
    assert "Started" not in second.stdout  # the kept server was reused
    assert second.stdout.count("unchanged") >= len(slugs)
    assert hashes(catalog_dir) == before

    for out in (first.stdout, second.stdout):
        lines = out.rstrip().splitlines()
        assert max(len(line) for line in lines) <= 80, out  # the summary fits an 80-column terminal
        assert lines[-1] == "Open: build/catalog/index.html"
        assert "anonymous usage" not in out.lower()


def test_flow_harness_starts_on_a_busy_machine(project: Path) -> None:
    """The harness the flow tests use, started fresh while both cores are busy, runs a flow."""
    script = (
        "from prefect.testing.utilities import prefect_test_harness\n"
        "from flows.prefect_api import start_timeout\n"
        "from flows.publish_dataset import publish_dataset\n"
        "with prefect_test_harness(server_startup_timeout=int(start_timeout())):\n"
        "    print('outcome:', publish_dataset('strategi-uppfoljning', target='local').status)\n"
    )
    env = clean_env(project, PREFECT_SERVER_ANALYTICS_ENABLED="false")
    with cpu_burner(seconds=600):
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=900, check=False
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "outcome: created" in done.stdout
    assert "Traceback" not in done.stderr


def test_an_unreachable_configured_api_is_one_sentence(project: Path) -> None:
    done = run_main_job(project, PREFECT_API_URL="http://127.0.0.1:9/api")  # nothing listens on port 9
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert "the Prefect API at http://127.0.0.1:9/api (PREFECT_API_URL) does not answer" in done.stderr
    assert not (project / "build").exists()  # nothing ran


def test_a_wrong_server_mode_names_the_setting(project: Path) -> None:
    done = run_main_job(project, OPENDATA_PREFECT_SERVER="always")
    assert done.returncode == 1
    assert "OPENDATA_PREFECT_SERVER must be 'keep' or 'temporary'" in done.stderr
    assert "Traceback" not in done.stderr
