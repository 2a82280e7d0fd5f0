"""prefect.yaml from the manifests, and the deployments on a real Prefect server.

The check tests need no server. The ``slow`` ones start one real ``prefect server`` for the
module (SQLite under a temporary folder, loopback, a free port), register the deployments
with ``scripts/serve.sh register`` exactly as ``make serve`` does, trigger a run through the
REST API and let a ``prefect worker --run-once`` subprocess run it. Every Prefect setting
goes to the subprocesses in their ``env``; this process's settings (and the session
``prefect_harness``) are never touched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from typer.testing import CliRunner

from flows import deployments
from flows.prefect_api import start_timeout
from opendata.cli import app

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVE = ROOT / "scripts" / "serve.sh"
CODE = ("flows", "opendata", "publish")


def set_cron(project: Path, slug: str, cron: str) -> None:
    path = project / "datasets" / slug / "dataset.yaml"
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    manifest["schedule"] = {"cron": cron}
    path.write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")


def with_prefect_yaml(project: Path) -> Path:
    """The throwaway project gets the committed prefect.yaml and the code, as a checkout has."""
    shutil.copyfile(ROOT / "prefect.yaml", project / "prefect.yaml")
    for name in CODE:
        (project / name).symlink_to(ROOT / name, target_is_directory=True)
    return project


# --- the check: no server --------------------------------------------------------------


def bundled(root: Path) -> list[str]:
    """The datasets a project bundles, sorted (as the generator orders them)."""
    return sorted(p.parent.name for p in (root / "datasets").glob("*/dataset.yaml"))


def test_committed_prefect_yaml_agrees_with_the_manifests() -> None:
    assert deployments.check(ROOT) == []


def test_generation_is_deterministic_and_follows_the_manifests() -> None:
    text = deployments.generate(ROOT)
    assert text == deployments.generate(ROOT)
    config = yaml.safe_load(text)
    by_name = {d["name"]: d for d in config["deployments"]}
    assert list(by_name) == [*bundled(ROOT), "all"]
    assert by_name["skolor-wifi"]["schedules"] == [
        {"cron": "0 6 1 1,4,7,10 *", "timezone": "Europe/Stockholm", "active": True}
    ]
    assert by_name["skolor-wifi"]["parameters"] == {"slug": "skolor-wifi"}
    assert by_name["all"]["schedules"] == []
    assert {d["work_pool"]["name"] for d in config["deployments"]} == {"opendata"}
    assert config["pull"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": "{{ $OPENDATA_HOME }}"}}
    ]


def test_manifest_change_without_regenerating_is_caught(project: Path) -> None:
    with_prefect_yaml(project)
    set_cron(project, "bredband", "30 5 2 4 *")
    shutil.rmtree(project / "datasets" / "skolor-wifi")

    problems = deployments.check(project)
    assert any(p.startswith("bredband: schedules[0].cron is '0 6 1 4 *'") and "'30 5 2 4 *'" in p for p in problems)
    assert any(p.startswith("skolor-wifi: deployment in prefect.yaml, but no datasets/skolor-wifi") for p in problems)

    runner = CliRunner()
    result = runner.invoke(app, ["deployments", "--check"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "bredband: schedules[0].cron" in result.output and "opendata deployments --write" in result.output

    assert runner.invoke(app, ["deployments", "--write"]).exit_code == 0
    assert runner.invoke(app, ["deployments", "--check"]).exit_code == 0
    assert "cron: 30 5 2 4 *" in (project / "prefect.yaml").read_text(encoding="utf-8")


def test_hand_edit_is_caught_even_when_the_content_agrees(project: Path) -> None:
    with_prefect_yaml(project)
    path = project / "prefect.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# my note\n", encoding="utf-8")
    problems = deployments.check(project)
    assert problems[0].startswith("prefect.yaml was edited by hand")
    assert any("-# my note" in p for p in problems)


def test_register_refuses_a_stale_prefect_yaml(project: Path) -> None:
    """serve.sh checks before deploying: old schedules never reach the server."""
    with_prefect_yaml(project)
    set_cron(project, "bredband", "0 7 1 4 *")
    env = subprocess_env(project, api_url="http://127.0.0.1:9/api")  # nothing listens there
    done = subprocess.run(["bash", str(SERVE), "register"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "bredband: schedules[0].cron" in done.stderr


# --- a real server ------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    api_url: str
    home: Path

    def get(self, path: str) -> Any:
        response = requests.get(self.api_url + path, timeout=30)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = requests.post(self.api_url + path, json=body, timeout=30)
        response.raise_for_status()
        return response.json()


def subprocess_env(project: Path | None, api_url: str, home: Path | None = None) -> dict[str, str]:
    """This process's environment without any PREFECT_ or OPENDATA_ setting, plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OPENDATA_", "CKAN_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PREFECT_API_URL=api_url,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    if home is not None:
        env.update(
            PREFECT_HOME=str(home), PREFECT_SERVER_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{home}/prefect.db"
        )
    if project is not None:
        env["OPENDATA_HOME"] = str(project)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_server(home: Path, database_url: str | None = None) -> Iterator[Server]:
    """``prefect server start`` on loopback; its database is SQLite under ``home`` unless given."""
    port = free_port()
    server = Server(f"http://127.0.0.1:{port}/api", home)
    env = subprocess_env(None, server.api_url, home)
    if database_url:
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = database_url
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + start_timeout()
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"prefect server exited ({process.returncode}):\n{(home / 'server.log').read_text()[-3000:]}"
                )
            try:
                if requests.get(server.api_url + "/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                log_tail = (home / "server.log").read_text()[-3000:]
                pytest.fail(f"prefect server not healthy in {start_timeout():.0f} s:\n{log_tail}")
            time.sleep(0.5)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A Prefect server with its own SQLite database, for this module."""
    with running_server(tmp_path_factory.mktemp("prefect-home")) as server:
        yield server


def register(server: Server, project: Path) -> None:
    env = subprocess_env(project, server.api_url, server.home)
    done = subprocess.run(["bash", str(SERVE), "register"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.mark.slow
def test_register_creates_a_deployment_per_dataset(prefect_server: Server, project: Path) -> None:
    register(prefect_server, with_prefect_yaml(project))

    found = {(d["name"]): d for d in prefect_server.post("/deployments/filter", {})}
    assert set(found) == {*bundled(project), "all"}
    for slug in bundled(project):
        manifest = yaml.safe_load((project / "datasets" / slug / "dataset.yaml").read_text(encoding="utf-8"))
        deployment = prefect_server.get(f"/deployments/name/publish-dataset/{slug}")
        assert deployment["parameters"] == {"slug": slug}
        assert deployment["work_pool_name"] == "opendata"
        zone = "Europe/Oslo" if manifest["publisher"] == "moss" else "Europe/Stockholm"  # the publisher's
        assert [(s["schedule"]["cron"], s["schedule"]["timezone"], s["active"]) for s in deployment["schedules"]] == [
            (manifest["schedule"]["cron"], zone, True)
        ]
        # deployed without OPENDATA_HOME: each worker resolves the project folder itself
        assert deployment["pull_steps"][0]["prefect.deployments.steps.set_working_directory"] == {
            "directory": "{{ $OPENDATA_HOME }}"
        }
    assert prefect_server.get("/deployments/name/publish-all/all")["schedules"] == []
    assert prefect_server.get("/work_pools/opendata")["type"] == "process"
    assert prefect_server.get("/v2/concurrency_limits/ckan-portal")["limit"] == 2


@pytest.mark.slow
def test_triggered_run_is_run_by_a_worker_and_readable_through_the_api(prefect_server: Server, project: Path) -> None:
    real_catalog = ROOT / "build" / "catalog" / "catalog.json"
    real_before = real_catalog.stat().st_mtime_ns if real_catalog.exists() else None
    register(prefect_server, with_prefect_yaml(project))  # again: re-registering updates, never duplicates
    assert len(prefect_server.post("/deployments/filter", {})) == len(bundled(project)) + 1

    deployment = prefect_server.get("/deployments/name/publish-dataset/bredband")
    run = prefect_server.post(f"/deployments/{deployment['id']}/create_flow_run", {})
    worker = subprocess.run(
        [str(BIN / "prefect"), "worker", "start", "--pool", "opendata", "--run-once", "--name", "test-worker"],
        env=subprocess_env(project, prefect_server.api_url, prefect_server.home),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=project.parent,
    )
    assert worker.returncode == 0, worker.stdout[-3000:] + worker.stderr[-3000:]

    finished = prefect_server.get(f"/flow_runs/{run['id']}")
    assert finished["state"]["type"] == "COMPLETED", finished["state"]
    assert finished["name"] == "publish-bredband" and finished["parameters"] == {"slug": "bredband"}
    assert (project / "build" / "catalog" / "bredband" / "data.csv").exists()
    assert (real_catalog.stat().st_mtime_ns if real_catalog.exists() else None) == real_before

    artifacts = prefect_server.post("/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run["id"]]}}})
    by_key = {a["key"]: a for a in artifacts if a["key"]}
    assert set(by_key) == {"bredband-validation", "bredband-published"}  # tables only for errors
    assert (
        by_key["bredband-validation"]["description"] == "VALID | bredband: valid, 27 rows"
    )  # each version marked (issue 13)
    assert "**Valid**: 27 rows" in by_key["bredband-validation"]["data"]
    published = by_key["bredband-published"]["data"]
    assert "| data-parquet | created |" in published and "catalog/bredband/data.parquet" in published
    task_runs = prefect_server.post("/task_runs/filter", {"flow_runs": {"id": {"any_": [run["id"]]}}})
    assert sorted(t["name"].rsplit("-", 1)[0] for t in task_runs) == [
        "convert",
        "extract",
        "publish",  # the shrink guard runs first inside it
        "validate",
    ]


def test_validate_regenerates_prefect_yaml_only_when_its_dataset_changed(project: Path) -> None:
    """`opendata validate` compares only the dataset at hand (a light command), then regenerates."""
    deployments.write(project)
    before = (project / "prefect.yaml").read_bytes()
    done = CliRunner().invoke(app, ["validate", "skolor-wifi"])
    assert done.exit_code == 0, done.output
    assert "Regenerated" not in done.output and (project / "prefect.yaml").read_bytes() == before
    set_cron(project, "skolor-wifi", "5 4 * * 1")
    done = CliRunner().invoke(app, ["validate", "skolor-wifi"])
    assert done.exit_code == 0, done.output
    assert "Regenerated" in done.output
    assert "5 4 * * 1" in (project / "prefect.yaml").read_text(encoding="utf-8")
    assert deployments.check(project) == []
