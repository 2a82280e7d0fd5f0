"""Shared fixtures: one Prefect test server per session, and a private copy of the project.

Flow tests run against ``prefect_test_harness`` (a temporary server, started once). Its wait
is the project's Prefect start-up timeout (``OPENDATA_PREFECT_START_TIMEOUT``, 300 s): on two
busy cores a fresh server has taken up to 89 s, where the harness's own default is 30 s.
Tests that publish get their own copy of ``datasets/`` and ``schemas/`` and their own build
folder (through OPENDATA_HOME / OPENDATA_BUILD), so they never touch the checkout's files.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect server for the whole session; request it from flow tests only."""
    from prefect.testing.utilities import prefect_test_harness

    from flows.prefect_api import start_timeout

    with prefect_test_harness(server_startup_timeout=int(start_timeout())):
        yield


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throwaway copy of datasets/ and schemas/; flows and the CLI read and build there."""
    for name in ("datasets", "schemas", "publishers"):
        shutil.copytree(ROOT / name, tmp_path / name)
    monkeypatch.setenv("OPENDATA_HOME", str(tmp_path))
    monkeypatch.delenv("OPENDATA_BUILD", raising=False)
    monkeypatch.delenv("CKAN_URL", raising=False)
    return tmp_path


@pytest.fixture(autouse=True)
def private_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs archive their raw snapshots (opendata.archive): in tests, under the test's tmp_path,
    never in the checkout's archive/ (for ``project``, that is the copy's own archive/)."""
    monkeypatch.setenv("OPENDATA_ARCHIVE", str(tmp_path / "archive"))
    return tmp_path / "archive"
