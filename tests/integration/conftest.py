"""Fixtures for tests against the real CKAN 2.12 test portal started by `make ckan-up`.

The portal's address and a sysadmin API token come from `.ckan/env` (written by
scripts/ckan-up.sh); the environment variables CKAN_URL / CKAN_API_TOKEN override it.
If the portal is not there the tests fail (never skip): run `make ckan-up`.
Tests never wipe the database: name everything with the `unique_name` prefix.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import ckanapi
import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_FILE = REPO_ROOT / ".ckan" / "env"
USER_AGENT = "opendata-tests/0.1 (ckanapi)"
HINT = "Start the CKAN test portal with `make ckan-up` (scripts/ckan-up.sh)."


class CkanEnv(NamedTuple):
    url: str  # e.g. http://127.0.0.1:5055 (no trailing slash)
    api_token: str  # sysadmin `admin`


def _read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and not key.startswith("#"):
            values[key.strip()] = value.strip().strip("'\"")
    return values


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that uses the portal is marked `ckan` (so `-m "not ckan"` deselects it)."""
    for item in items:
        if "ckan_env" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.ckan)


@pytest.fixture(scope="session")
def ckan_env() -> CkanEnv:
    """The portal's URL and sysadmin token; fails the tests if the portal does not answer."""
    values = _read_env_file(ENV_FILE) if ENV_FILE.is_file() else {}
    for key in ("CKAN_URL", "CKAN_API_TOKEN"):
        if os.environ.get(key):
            values[key] = os.environ[key]
    missing = [k for k in ("CKAN_URL", "CKAN_API_TOKEN") if not values.get(k)]
    if missing:
        pytest.fail(
            f"CKAN test portal not configured: {', '.join(missing)} missing "
            f"({ENV_FILE} not found or incomplete, environment not set). {HINT}",
            pytrace=False,
        )
    url = values["CKAN_URL"].rstrip("/")
    try:
        r = requests.get(f"{url}/api/3/action/status_show", timeout=10)
        ok = r.status_code == 200 and r.json().get("success") is True
        detail = f"HTTP {r.status_code}"
    except (requests.RequestException, ValueError) as e:
        ok, detail = False, f"{type(e).__name__}: {e}"
    if not ok:
        pytest.fail(
            f"CKAN test portal at {url} does not answer status_show ({detail}). {HINT}",
            pytrace=False,
        )
    return CkanEnv(url=url, api_token=values["CKAN_API_TOKEN"])


@pytest.fixture(scope="session")
def ckan_admin(ckan_env: CkanEnv) -> Iterator[ckanapi.RemoteCKAN]:
    """ckanapi.RemoteCKAN authenticated as the sysadmin `admin`."""
    with ckanapi.RemoteCKAN(ckan_env.url, apikey=ckan_env.api_token, user_agent=USER_AGENT) as ck:
        try:
            ck.action.api_token_list(user_id="admin")
        except ckanapi.NotAuthorized:
            pytest.fail(f"The API token for {ckan_env.url} is not accepted. {HINT}", pytrace=False)
        yield ck


@pytest.fixture(scope="session")
def ckan_anon(ckan_env: CkanEnv) -> Iterator[ckanapi.RemoteCKAN]:
    """ckanapi.RemoteCKAN without a token (anonymous visitor)."""
    with ckanapi.RemoteCKAN(ckan_env.url, user_agent=USER_AGENT) as ck:
        yield ck


@pytest.fixture
def unique_name() -> str:
    """A fresh lowercase slug prefix per test, e.g. `t-1a2b3c4d` (CKAN names: [a-z0-9_-])."""
    return f"t-{uuid.uuid4().hex[:8]}"


class CkanCleanup:
    """Records what a test created; everything is purged at teardown (datasets first)."""

    def __init__(self, ckan: ckanapi.RemoteCKAN):
        self.ckan = ckan
        self.items: list[tuple[str, str]] = []

    def dataset(self, ref: str | dict[str, Any]) -> Any:
        self.items.append(("dataset_purge", ref["id"] if isinstance(ref, dict) else ref))
        return ref

    def organization(self, ref: str | dict[str, Any]) -> Any:
        self.items.append(("organization_purge", ref["id"] if isinstance(ref, dict) else ref))
        return ref

    def group(self, ref: str | dict[str, Any]) -> Any:
        self.items.append(("group_purge", ref["id"] if isinstance(ref, dict) else ref))
        return ref

    def purge(self) -> None:
        order = {"dataset_purge": 0, "group_purge": 1, "organization_purge": 2}
        for action, ref in sorted(self.items, key=lambda item: order[item[0]]):
            with contextlib.suppress(ckanapi.NotFound):
                self.ckan.call_action(action, {"id": ref})
        self.items.clear()


@pytest.fixture
def ckan_cleanup(ckan_admin: ckanapi.RemoteCKAN) -> Iterator[CkanCleanup]:
    """Register created datasets/organizations/groups; they are purged after the test."""
    cleanup = CkanCleanup(ckan_admin)
    yield cleanup
    cleanup.purge()


# -- for the CKAN target's tests (tests/integration/test_ckan_target*.py) --------------------


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A throwaway copy of datasets/ and schemas/ to build from (and to change)."""
    for name in ("datasets", "schemas", "publishers"):
        shutil.copytree(REPO_ROOT / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def portal_names(ckan_admin: ckanapi.RemoteCKAN, ckan_cleanup: Any, unique_name: str) -> Iterator[Callable[[str], str]]:
    """Register a slug's dataset (and its staging twin) for purge; drops their DataStore tables
    first, since CKAN's dataset_purge leaves them behind."""
    names: list[str] = []

    def register(slug: str) -> str:
        name = f"{unique_name}-{slug}"
        # ... and the organisation's DCAT catalog dataset the target writes (publish/ckan/dcat.py)
        for n in (name, f"{name}--staging", f"{unique_name}-ornskoldsviks-kommun-dcat"):
            ckan_cleanup.dataset(n)
            names.append(n)
        return name

    yield register
    for n in names:
        with contextlib.suppress(ckanapi.NotFound):
            for r in ckan_admin.action.package_show(id=n)["resources"]:
                if r.get("datastore_active"):
                    with contextlib.suppress(ckanapi.NotFound):
                        ckan_admin.action.datastore_delete(resource_id=r["id"], force=True)
