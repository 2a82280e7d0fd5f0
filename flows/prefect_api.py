"""Which Prefect API this process's flows talk to, settled before Prefect is imported.

Prefect 3 needs an API for every flow run. Without one it starts a temporary server in a
subprocess for each command: about 9 CPU-seconds each time, and on two busy cores up to 89 s
to answer, where Prefect gives up after 20 s with a traceback. So, in this order:

1. ``PREFECT_API_URL`` is set (a worker, a shared server, Prefect Cloud, the test harness):
   used as it is.
2. This project's local server answers (started by ``make serve`` or an earlier run; its pid,
   URL and log are under ``$PREFECT_HOME/run/``): reused.
3. ``OPENDATA_PREFECT_SERVER=keep`` (the default): that local server is started in the
   background and kept for later runs, so only the first run pays for it.
   ``OPENDATA_PREFECT_SERVER=temporary``: Prefect's own per-command temporary server.

Every wait for a server is ``OPENDATA_PREFECT_START_TIMEOUT`` seconds (default 300, which a
fresh ``PREFECT_HOME`` on two busy cores needs). Failures are ``PrefectUnavailable`` with one
sentence saying what happened and what to do.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from opendata.settings import project_root, settings

DEFAULT_START_TIMEOUT = 300.0
DEFAULT_PORT = 4200
MODES = ("keep", "temporary")


class PrefectUnavailable(Exception):
    """No Prefect API could be reached or started; the message says what to do."""


@dataclass(frozen=True)
class ApiChoice:
    """Where the flows' API is, and a line for the user when something was started."""

    url: str | None  # None: Prefect's temporary server
    how: str  # "configured", "reused", "started", "temporary"

    @property
    def note(self) -> str | None:
        if self.how == "started":
            return (
                f"Started this project's Prefect server at {ui_url(self.url)} (runs and artifacts in its UI); "
                "later runs reuse it. Stop it with `make serve-down`."
            )
        return None


def ui_url(api_url: str | None) -> str:
    return (api_url or "").removesuffix("/api")


def prefect_home() -> Path:
    env = settings().prefect_home
    return env.expanduser().resolve() if env else project_root() / ".prefect"


def run_dir() -> Path:
    """Pid, URL and log of the local server: the same files ``scripts/serve.sh`` uses."""
    return prefect_home() / "run"


def start_timeout() -> float:
    raw = settings().prefect_start_timeout or ""
    try:
        value = float(raw) if raw else DEFAULT_START_TIMEOUT
    except ValueError:
        raise PrefectUnavailable(f"OPENDATA_PREFECT_START_TIMEOUT must be a number of seconds, not {raw!r}") from None
    return max(value, 1.0)


def quiet_prefect_defaults() -> None:
    """No telemetry and no usage notice; the user's own values win."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")


def ensure_api() -> ApiChoice:
    """Point this process at a Prefect API that answers, starting one if needed."""
    quiet_prefect_defaults()
    os.environ.setdefault("PREFECT_HOME", str(prefect_home()))  # as `make` sets it: one home per project
    configured = _configured_url()
    if configured:
        if not healthy(configured, timeout=5):
            raise PrefectUnavailable(
                f"the Prefect API at {configured} (PREFECT_API_URL) does not answer; start that server, "
                "or unset PREFECT_API_URL to use this project's own local server"
            )
        return ApiChoice(configured, "configured")
    mode = settings().prefect_server.strip().lower() or "keep"
    if mode not in MODES:
        raise PrefectUnavailable(f"OPENDATA_PREFECT_SERVER must be 'keep' or 'temporary', not {mode!r}")
    timeout = start_timeout()
    if mode == "temporary":
        os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(int(timeout)))
        return ApiChoice(None, "temporary")
    choice = ensure_local_server(timeout)
    os.environ["PREFECT_API_URL"] = choice.url or ""
    # Our own server runs without CSRF protection (started so below): the client need not fetch
    # a token for each of its connections (14 of a run's 98 requests).
    os.environ.setdefault("PREFECT_CLIENT_CSRF_SUPPORT_ENABLED", "false")
    return choice


HEARTBEAT_VARIABLES = ("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_RUNNER_HEARTBEAT_FREQUENCY")


def in_process_runs() -> contextlib.AbstractContextManager[object]:
    """Settings for flows run inside this command (``opendata publish``), not by a worker.

    No flow-run heartbeats unless asked for: Prefect 3 starts a heartbeat thread for every
    flow run and, at the run's end, waits for it to wake from its one-second sleep. For the
    seven flow runs of ``publish --all`` that is 2-3 s of waiting in a 13 s run, for events
    that only an automation (zombie detection) reads; a worker's runs keep them. Set
    ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` to have them here too.
    """
    if any(os.environ.get(name) for name in HEARTBEAT_VARIABLES):
        return contextlib.nullcontext()
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


def _configured_url() -> str | None:
    """PREFECT_API_URL from the environment, or from Prefect's settings if it is loaded already."""
    configured = settings().prefect_api_url
    if configured:
        return configured.rstrip("/")
    if "prefect.context" in sys.modules:  # e.g. under prefect_test_harness: its settings decide
        from prefect.settings import PREFECT_API_URL

        value = PREFECT_API_URL.value()
        return str(value).rstrip("/") if value else None
    return None


def ensure_local_server(timeout: float) -> ApiChoice:
    """This project's server: reused when it answers, else started in the background and kept."""
    run = run_dir()
    run.mkdir(parents=True, exist_ok=True)
    with (run / "server.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two commands at once start one server, not two
        url = running_server_url()
        if url:
            if wait_healthy(url, timeout, pid=_pid()):
                return ApiChoice(url, "reused")
            if _pid() is not None:  # alive but silent: never start a second one beside it
                raise PrefectUnavailable(
                    f"this project's Prefect server (pid {_pid()}) did not answer at {url} within {timeout:.0f} s "
                    f"(log: {run / 'server.log'}); stop it with `make serve-down` and run again"
                )
        url, pid = _start_server(run)
        if not wait_healthy(url, timeout, pid=pid):
            _stop_pid(pid)
            raise PrefectUnavailable(
                f"this project's Prefect server did not answer within {timeout:.0f} s "
                f"(log: {run / 'server.log'}); the machine may be busy: set OPENDATA_PREFECT_START_TIMEOUT "
                "to more seconds, or run `make serve` first"
            )
        return ApiChoice(url, "started")


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def only_this_machine() -> bool:
    """Whether the flows' API is this project's own server, listening on a loopback address:
    then every client of it is a process of this machine."""
    from urllib.parse import urlparse

    current = (settings().prefect_api_url or "").rstrip("/")
    own = running_server_url()
    return bool(current) and current == own and urlparse(current).hostname in LOOPBACK


def running_server_url() -> str | None:
    """The URL of the server recorded under run/, if its process is still alive."""
    pid, url_file = _pid(), run_dir() / "server.url"
    if pid is None or not url_file.is_file():
        return None
    return url_file.read_text(encoding="utf-8").strip() or None


def stop_local_server() -> bool:
    """Stop the server recorded under run/ (only that pid); True when one was running."""
    pid = _pid()
    if pid is None:
        return False
    _stop_pid(pid)
    for name in ("server.pid", "server.url"):
        (run_dir() / name).unlink(missing_ok=True)
    return True


def _pid() -> int | None:
    """The recorded server pid, when that process is alive and is a Prefect server."""
    try:
        pid = int((run_dir() / "server.pid").read_text(encoding="utf-8").strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except (OSError, ValueError):
        return None
    return pid if b"server start" in cmdline else None


def _start_server(run: Path) -> tuple[str, int]:
    host = settings().prefect_server_host
    port = _choose_port(host)
    url = f"http://{host}:{port}/api"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(prefect_home())
    env["PREFECT_SERVER_CSRF_PROTECTION_ENABLED"] = "false"  # local only (127.0.0.1 by default)
    prefect = Path(sys.executable).with_name("prefect")
    command = [str(prefect), "server", "start", "--host", host, "--port", str(port)]
    with (run / "server.log").open("ab") as log:
        process = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    (run / "server.pid").write_text(f"{process.pid}\n", encoding="utf-8")
    (run / "server.url").write_text(url + "\n", encoding="utf-8")
    return url, process.pid


def _choose_port(host: str) -> int:
    """PREFECT_SERVER_API_PORT when set (it must be free); else 4200, or any free port."""
    wanted = settings().prefect_server_port
    if wanted:
        if not wanted.isdigit() or not _port_free(host, int(wanted)):
            raise PrefectUnavailable(
                f"PREFECT_SERVER_API_PORT={wanted} is not a free port on {host}; choose another, or unset it"
            )
        return int(wanted)
    if _port_free(host, DEFAULT_PORT):
        return DEFAULT_PORT
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_healthy(url: str, timeout: float, pid: int | None) -> bool:
    """Poll /health until it answers, the timeout passes, or the server process is gone."""
    deadline = time.monotonic() + timeout
    while True:
        if healthy(url):
            return True
        if pid is None or not Path(f"/proc/{pid}").exists() or time.monotonic() > deadline:
            return False
        time.sleep(0.25)


def _stop_pid(pid: int | None) -> None:
    if pid is None:
        return
    _signal(pid, 15)
    deadline = time.monotonic() + 20
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)
    if Path(f"/proc/{pid}").exists():
        _signal(pid, 9)


def _signal(pid: int, number: int) -> None:
    """The server's whole process group (it leads its own session), else the pid alone."""
    try:
        os.killpg(pid, number)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, number)


def main(argv: list[str]) -> int:
    """``python -m flows.prefect_api start|stop|url``: used by scripts/serve.sh."""
    command = argv[0] if argv else "url"
    try:
        if command == "start":
            choice = ensure_local_server(start_timeout())
            print(choice.url)
        elif command == "stop":
            print("server stopped" if stop_local_server() else "server not running")
        elif command == "url":
            print(running_server_url() or "")
        else:
            print("usage: python -m flows.prefect_api start|stop|url", file=sys.stderr)
            return 2
    except PrefectUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
