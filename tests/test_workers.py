"""Two process workers on one work pool share ``publish-all``, and the limits hold across them.

A real ``prefect server`` on PostgreSQL (the test portal's cluster, database ``<CKAN_DB>_prefect``
from ``scripts/ckan-up.sh``: with SQLite, two busy workers got "database is locked" answers for
over a minute and a run crashed on submission), the deployments registered by ``scripts/serve.sh
register`` as ``make serve`` does (``ckan-portal`` sized 1 here), two ``prefect worker start``
processes on the pool ``opendata``, and the real CKAN test portal as the target. Triggered:
``publish-all/all`` for 8 generated datasets (copies of ``bredband``) and, at the same moment,
single runs of two of them. Read back from the server:

- every dataset's run was taken by one of the two workers, and both took some;
- at no moment did two runs hold ``ckan-portal`` (each run logs just after taking its slot and
  just before giving it back, so each logged interval lies inside a real hold);
- no dataset was worked on by two runs at once (the same kind of log lines around
  ``publish-dataset-<slug>``, one slot).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import ckanapi
import pytest
import requests
import yaml

from flows import deployments
from tests.integration.conftest import _read_env_file
from tests.test_deployments import BIN, CODE, ROOT, Server, running_server, subprocess_env

DATASETS = [f"gen-{i:02d}" for i in range(1, 9)]
TWICE = DATASETS[:2]  # also triggered on their own, at the same moment as publish-all
WAIT = 1800  # seconds: a guard against a hang, not a speed check


def generated_project(root: Path) -> Path:
    """A project home with 8 datasets (bredband's files under new slugs) and its prefect.yaml."""
    shutil.copytree(ROOT / "schemas", root / "schemas")
    shutil.copytree(ROOT / "publishers", root / "publishers")
    (root / "datasets").mkdir()
    shutil.copyfile(ROOT / "datasets" / "_defaults.yaml", root / "datasets" / "_defaults.yaml")
    for slug in DATASETS:
        shutil.copytree(ROOT / "datasets" / "bredband", root / "datasets" / slug)
        shutil.copyfile(ROOT / "schemas" / "bredband.schema.json", root / "schemas" / f"{slug}.schema.json")
        path = root / "datasets" / slug / "dataset.yaml"
        manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
        manifest["title"] = {lang: f"{text} {slug}" for lang, text in manifest["title"].items()}
        path.write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for name in CODE:
        (root / name).symlink_to(ROOT / name, target_is_directory=True)
    (root / "prefect.yaml").write_text(deployments.generate(root), encoding="utf-8")
    return root


def post(server: Server, path: str, body: dict[str, Any] | None = None) -> Any:
    """A POST (a GET without ``body``) to the server, asked again when the busy server answers
    503 (its SQLite database is locked)."""
    for attempt in range(6):
        if body is None:
            response = requests.get(server.api_url + path, timeout=60)
        else:
            response = requests.post(server.api_url + path, json=body, timeout=60)
        if response.status_code != 503 or attempt == 5:
            response.raise_for_status()
            return response.json()
        time.sleep(2**attempt)


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def most_at_once(intervals: list[tuple[datetime, datetime]]) -> int:
    """The largest number of intervals that overlap at one moment (touching ends do not)."""
    edges = sorted([(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals], key=lambda e: (e[0], e[1]))
    now = peak = 0
    for _, step in edges:
        now += step
        peak = max(peak, now)
    return peak


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A Prefect server on the test cluster's PostgreSQL, its tables reset first."""
    url = _read_env_file(ROOT / ".ckan" / "env").get("TEST_PREFECT_DATABASE_URL")
    assert url, "no TEST_PREFECT_DATABASE_URL in .ckan/env: run `make ckan-up` (scripts/ckan-up.sh) again"
    home = tmp_path_factory.mktemp("prefect-pg-home")
    env = {**subprocess_env(None, "", home), "PREFECT_SERVER_DATABASE_CONNECTION_URL": url}
    env.pop("PREFECT_API_URL")
    reset = subprocess.run(
        [str(BIN / "prefect"), "server", "database", "reset", "--yes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert reset.returncode == 0, reset.stdout[-2000:] + reset.stderr[-2000:]
    with running_server(home, url) as server:
        yield server


@pytest.fixture
def portal() -> Iterator[dict[str, str]]:
    """CKAN settings for the workers, a unique dataset prefix, and a purge afterwards."""
    values = _read_env_file(ROOT / ".ckan" / "env")
    prefix = f"w-{uuid.uuid4().hex[:8]}-"
    settings = {
        "CKAN_URL": values["CKAN_URL"],
        "CKAN_API_TOKEN": values["CKAN_API_TOKEN"],
        "CKAN_DATASET_PREFIX": prefix,
    }
    yield settings
    with ckanapi.RemoteCKAN(values["CKAN_URL"], apikey=values["CKAN_API_TOKEN"]) as ck:
        for name in [prefix + s for s in DATASETS] + [f"{prefix}ornskoldsviks-kommun-dcat"]:
            with contextlib.suppress(ckanapi.NotFound):
                for r in ck.action.package_show(id=name)["resources"]:
                    if r.get("datastore_active"):
                        with contextlib.suppress(ckanapi.NotFound):
                            ck.action.datastore_delete(resource_id=r["id"], force=True)
                ck.action.dataset_purge(id=name)


@pytest.mark.slow
@pytest.mark.timeout(WAIT + 600)
def test_two_workers_share_publish_all_within_the_limits(
    prefect_server: Server, tmp_path: Path, portal: dict[str, str]
) -> None:
    project = generated_project(tmp_path / "home")
    env = {**subprocess_env(project, prefect_server.api_url, prefect_server.home), "CKAN_CONCURRENCY": "1"}
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "serve.sh"), "register"], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert post(prefect_server, "/v2/concurrency_limits/ckan-portal")["limit"] == 1

    worker_env = {**env, **portal, "PREFECT_WORKER_QUERY_SECONDS": "2", "PREFECT_WORKER_PREFETCH_SECONDS": "2"}
    workers = []
    for name in ("worker-a", "worker-b"):
        log = (tmp_path / f"{name}.log").open("wb")
        workers.append(
            (
                subprocess.Popen(
                    [str(BIN / "prefect"), "worker", "start", "--pool", "opendata", "--name", name],
                    env=worker_env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    cwd=tmp_path,
                ),
                log,
            )
        )
    try:
        everything = post(prefect_server, "/deployments/name/publish-all/all")
        parent = post(
            prefect_server, f"/deployments/{everything['id']}/create_flow_run", {"parameters": {"target": "ckan"}}
        )
        for slug in TWICE:
            one = post(prefect_server, f"/deployments/name/publish-dataset/{slug}")
            post(
                prefect_server,
                f"/deployments/{one['id']}/create_flow_run",
                {"parameters": {"slug": slug, "target": "ckan"}},
            )
        deadline = time.monotonic() + WAIT
        while post(prefect_server, f"/flow_runs/{parent['id']}")["state"]["type"] not in (
            "COMPLETED",
            "FAILED",
            "CRASHED",
            "CANCELLED",
        ):
            assert time.monotonic() < deadline, "publish-all did not finish"
            assert all(w.poll() is None for w, _ in workers), "a worker exited"
            time.sleep(3)
        runs: list[dict[str, Any]] = post(prefect_server, "/flow_runs/filter", {"limit": 200})
        while any(r["state"]["type"] in ("SCHEDULED", "PENDING", "RUNNING") for r in runs):
            assert time.monotonic() < deadline, "the single runs did not finish"
            time.sleep(3)
            runs = post(prefect_server, "/flow_runs/filter", {"limit": 200})
    finally:
        for w, log in workers:
            w.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                w.wait(timeout=30)
            if w.poll() is None:
                w.kill()
                w.wait()
            log.close()

    finished = post(prefect_server, f"/flow_runs/{parent['id']}")
    dataset_runs = [r for r in runs if r["id"] != parent["id"] and r["parameters"].get("slug") in DATASETS]
    logs = "".join((tmp_path / f"worker-{w}.log").read_text(errors="replace")[-4000:] for w in "ab")
    failed = [
        (r["parameters"]["slug"], r["state"]["message"]) for r in dataset_runs if r["state"]["type"] != "COMPLETED"
    ]
    assert not failed and finished["state"]["type"] == "COMPLETED", (failed, finished["state"]["message"], logs)
    assert sorted(r["parameters"]["slug"] for r in dataset_runs) == sorted(DATASETS + TWICE)

    # 1. spread over both workers
    events = post(
        prefect_server,
        "/events/filter",
        {"filter": {"event": {"name": ["prefect.worker.submitted-flow-run"]}}, "limit": 50},
    )["events"]
    taken_by: dict[str, str] = {}
    for e in events:
        for r in e["related"]:
            if r["prefect.resource.role"] == "flow-run":
                taken_by[r["prefect.resource.id"].removeprefix("prefect.flow-run.")] = e["resource"][
                    "prefect.resource.name"
                ]
    assert {taken_by[r["id"]] for r in dataset_runs} == {"worker-a", "worker-b"}, taken_by

    # 2. ckan-portal (1 slot) never held by two runs at once
    portal_holds = held(prefect_server, dataset_runs, "ckan-portal")
    assert set(portal_holds) == {r["id"] for r in dataset_runs}  # every run published to CKAN under the limit
    assert most_at_once(list(portal_holds.values())) == 1

    # 3. no dataset ran twice at once: per dataset, its runs' holds of publish-dataset-<slug>
    for slug in DATASETS:
        ids = {r["id"] for r in dataset_runs if r["parameters"]["slug"] == slug}
        mine = held(prefect_server, [r for r in dataset_runs if r["id"] in ids], f"publish-dataset-{slug}")
        assert set(mine) == ids and most_at_once(list(mine.values())) == 1, mine


def held(server: Server, runs: list[dict[str, Any]], limit: str) -> dict[str, tuple[datetime, datetime]]:
    """Per flow run, from its log lines: when it held a slot of ``limit`` (flows/limits.py)."""
    lines: list[dict[str, Any]] = []
    while True:
        body = {"logs": {"flow_run_id": {"any_": [r["id"] for r in runs]}}, "limit": 200, "offset": len(lines)}
        page = post(server, "/logs/filter", body)
        lines += page
        if len(page) < 200:
            break
    marks: dict[str, dict[str, datetime]] = {}
    for line in lines:
        for mark, side in ((f"{limit}: slot taken", "from"), (f"{limit}: slot given back", "to")):
            if line["message"] == mark:
                marks.setdefault(line["flow_run_id"], {})[side] = when(line["timestamp"])
    return {run: (m["from"], m["to"]) for run, m in marks.items()}
