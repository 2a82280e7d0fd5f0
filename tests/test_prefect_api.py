"""How a command finds its Prefect API (flows/prefect_api.py): the choices and the sentences.

The real start of a server, on a busy machine, is in test_make_run.py; here the decisions
around it, with sockets and processes that stand in for a server that is busy or silent.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows import prefect_api
from flows.prefect_api import PrefectUnavailable
from opendata.cli import _prefect_failure


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))
    for name in ("PREFECT_API_URL", "OPENDATA_PREFECT_SERVER", "OPENDATA_PREFECT_START_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "prefect-home"


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def test_a_taken_port_asked_for_is_refused_in_one_sentence(
    home: Path, taken_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_SERVER_API_PORT", str(taken_port))
    with pytest.raises(PrefectUnavailable, match=f"PREFECT_SERVER_API_PORT={taken_port} is not a free port"):
        prefect_api.ensure_local_server(timeout=5)
    assert not (home / "run" / "server.pid").exists()  # nothing was started


def test_without_a_port_setting_another_free_port_is_chosen_when_4200_is_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PREFECT_SERVER_API_PORT", raising=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        taken = int(s.getsockname()[1])
        monkeypatch.setattr(prefect_api, "DEFAULT_PORT", taken)
        chosen = prefect_api._choose_port("127.0.0.1")
    assert chosen != taken and chosen > 0


def test_a_recorded_server_that_is_alive_but_silent_is_not_doubled(home: Path, taken_port: int) -> None:
    """A process recorded as the server, answering nothing: say so, never start a second one."""
    run = home / "run"
    run.mkdir(parents=True)
    # Stands in for a hung server: a process whose command line says "server start".
    silent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "server", "start"])
    try:
        (run / "server.pid").write_text(str(silent.pid))
        (run / "server.url").write_text(f"http://127.0.0.1:{taken_port}/api")
        for _ in range(100):  # until the stand-in's command line is readable as a server's
            if prefect_api.running_server_url():
                break
            time.sleep(0.05)
        assert prefect_api.running_server_url() == f"http://127.0.0.1:{taken_port}/api"
        with pytest.raises(PrefectUnavailable, match=r"did not answer .* stop it with `make serve-down`"):
            prefect_api.ensure_local_server(timeout=1)
        assert (run / "server.pid").read_text() == str(silent.pid)
    finally:
        silent.kill()
        silent.wait()


def test_a_stale_pid_file_is_ignored(home: Path) -> None:
    run = home / "run"
    run.mkdir(parents=True)
    (run / "server.pid").write_text("999999999")
    (run / "server.url").write_text("http://127.0.0.1:9/api")
    assert prefect_api.running_server_url() is None
    assert prefect_api.stop_local_server() is False


def test_a_configured_api_that_does_not_answer_names_the_setting(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    with pytest.raises(PrefectUnavailable, match=r"http://127.0.0.1:9/api \(PREFECT_API_URL\) does not answer"):
        prefect_api.ensure_api()


def test_temporary_mode_gives_prefect_the_projects_timeout(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENDATA_PREFECT_SERVER", "temporary")
    monkeypatch.setenv("OPENDATA_PREFECT_START_TIMEOUT", "240")
    monkeypatch.delenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", raising=False)
    monkeypatch.setattr(prefect_api, "_configured_url", lambda: None)  # as in a fresh process
    choice = prefect_api.ensure_api()
    assert choice.how == "temporary" and choice.url is None
    assert os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] == "240"


@pytest.mark.parametrize("value", ["soon", "5m"])
def test_a_wrong_timeout_names_the_setting(home: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("OPENDATA_PREFECT_START_TIMEOUT", value)
    with pytest.raises(PrefectUnavailable, match="OPENDATA_PREFECT_START_TIMEOUT must be a number of seconds"):
        prefect_api.start_timeout()


def test_prefects_own_start_failure_becomes_a_sentence_with_the_fix() -> None:
    prefects = RuntimeError("Timed out while attempting to connect to ephemeral Prefect API server.")
    message = _prefect_failure(prefects)
    assert "did not start in time" in message and "OPENDATA_PREFECT_START_TIMEOUT" in message
    assert "\n" not in message
    other = _prefect_failure(OSError("database is locked\nlong details"))
    assert other == "Prefect could not run the flows: database is locked (run again with -v for the details)"


def test_runs_inside_the_command_send_no_heartbeats_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each flow run's heartbeat thread made its end wait up to a second (flows/prefect_api.py)."""
    from prefect.settings import get_current_settings

    from flows.prefect_api import in_process_runs

    monkeypatch.delenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", raising=False)
    monkeypatch.delenv("PREFECT_RUNNER_HEARTBEAT_FREQUENCY", raising=False)
    with in_process_runs():
        assert get_current_settings().flows.heartbeat_frequency is None
    assert get_current_settings().flows.heartbeat_frequency is not None  # only inside
    monkeypatch.setenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "60")
    with in_process_runs():
        assert get_current_settings().flows.heartbeat_frequency is not None  # the user's choice stands
