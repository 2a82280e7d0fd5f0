"""One run of a dataset at a time in the flows: ``flows.limits.dataset_slot``."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from flows.limits import DATASET_LIMIT, dataset_slot


@pytest.fixture
def build_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OPENDATA_BUILD", str(tmp_path / "build"))
    return tmp_path / "build"


def test_a_second_run_of_the_same_dataset_waits_for_the_first(prefect_harness, build_dir) -> None:
    events: list[str] = []
    inside = threading.Event()

    def second() -> None:
        inside.wait(30)
        with dataset_slot("skolor-wifi"):
            events.append("second in")

    other = threading.Thread(target=second)
    other.start()
    with dataset_slot("skolor-wifi"):
        inside.set()
        time.sleep(1.0)  # the second run is trying meanwhile
        events.append("first out")
    other.join(timeout=60)
    assert events == ["first out", "second in"]
    assert (build_dir / ".locks" / "skolor-wifi.lock").exists()


def test_other_datasets_do_not_wait_and_the_prefect_limit_has_one_slot(prefect_harness, build_dir) -> None:
    from prefect.client.orchestration import get_client

    with dataset_slot("skolor-wifi"), dataset_slot("bredband"):  # would deadlock if they shared a lock
        pass
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(DATASET_LIMIT.format(slug="bredband"))
    assert limit.limit == 1


def _own_server(home: Path, url: str) -> subprocess.Popen[bytes]:
    """What flows.prefect_api records for this project's server: its pid (a process whose command
    line says `server start`) and its URL."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "server", "start"])
    (home / "run").mkdir(parents=True, exist_ok=True)
    (home / "run" / "server.pid").write_text(f"{process.pid}\n", encoding="utf-8")
    (home / "run" / "server.url").write_text(f"{url}\n", encoding="utf-8")
    return process


@pytest.mark.parametrize(
    ("recorded", "local"), [("http://127.0.0.1:4987/api", True), ("http://10.1.2.3:4987/api", False)]
)
def test_on_this_projects_own_loopback_server_the_file_lock_alone_holds_the_dataset(
    build_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recorded: str, local: bool
) -> None:
    import flows.limits as limits

    asked: list[str] = []
    monkeypatch.setattr(limits, "_ensure_limit", asked.append)

    def acquired(name: str, **_: object) -> contextlib.AbstractContextManager[None]:
        asked.append(name)
        return contextlib.nullcontext()

    monkeypatch.setattr(limits, "_acquired", acquired)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.setenv("PREFECT_API_URL", recorded)
    server = _own_server(tmp_path / "prefect", recorded)
    try:
        with dataset_slot("skolor-wifi"):
            assert (build_dir / ".locks" / "skolor-wifi.lock").exists()
    finally:
        server.kill()
        server.wait()
    # a server other machines may reach (not on a loopback address): the server's limit is asked too
    assert asked == ([] if local else [DATASET_LIMIT.format(slug="skolor-wifi")] * 2)
