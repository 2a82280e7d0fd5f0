"""End to end: the command `make run` runs, in a fresh process on embedded defaults.

No Prefect server is configured: the flow starts Prefect's temporary local API itself, and
with no CKAN_URL the local catalog is the target, exactly as on a newcomer's machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def run_main_job(project: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "CKAN_"))}
    env.update(
        OPENDATA_HOME=str(project),
        PREFECT_HOME=str(project / ".prefect"),
        COLUMNS="200",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    return subprocess.run(
        [sys.executable, "-m", "opendata", "publish", "--all"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def test_main_job_publishes_every_dataset_and_a_rerun_changes_nothing(project: Path) -> None:
    first = run_main_job(project)
    assert first.returncode == 0, first.stdout + first.stderr
    catalog_dir = project / "build/catalog"
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
    before = hashes(catalog_dir)
    second = run_main_job(project)
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.count("unchanged") >= len(slugs)
    assert hashes(catalog_dir) == before
