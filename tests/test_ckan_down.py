"""scripts/ckan-down.sh is a good neighbour: it keeps Redis and PostgreSQL while others use them.

Everything runs in a throwaway copy of the checkout layout with its own Redis (a real
redis-server on a free port, started here) and a stand-in "other portal" process. The real
shared PostgreSQL is only ever looked at: where the script could stop it (the marker that
ckan-up started it), the test runs it with CKAN_DOWN_DRY_RUN=1.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def checkout(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A checkout with .ckan/ckan.ini on its own Redis, which 'ckan-up started' (redis.pid)."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts/ckan-down.sh", tmp_path / "scripts/ckan-down.sh")
    ck = tmp_path / ".ckan"
    ck.mkdir()
    port = free_port()
    (ck / "ckan.ini").write_text(
        f"sqlalchemy.url=postgresql://u:p@127.0.0.1:5432/ckan_down_test\nckan.redis.url=redis://127.0.0.1:{port}/1\n"
    )
    options = ["--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
    subprocess.run(
        ["redis-server", *options, "--pidfile", str(ck / "redis.pid"), "--dir", str(ck)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(40):
        if (ck / "redis.pid").exists() and (ck / "redis.pid").read_text().strip():
            break
        time.sleep(0.1)
    pid = int((ck / "redis.pid").read_text())
    yield tmp_path, pid
    if alive(pid):
        os.kill(pid, 15)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


def other_portal(tmp_path: Path, redis_port: int) -> subprocess.Popen[bytes]:
    """A process that looks like another checkout's CKAN server (``.../bin/ckan -c INI run``)."""
    other = tmp_path / "other"
    (other / "bin").mkdir(parents=True)
    (other / "ckan.ini").write_text(f"ckan.redis.url=redis://127.0.0.1:{redis_port}/1\n")
    fake = other / "bin/ckan"
    fake.write_text("import time\ntime.sleep(120)\n")
    return subprocess.Popen([sys.executable, str(fake), "-c", str(other / "ckan.ini"), "run", "-p", "1"])


def down(root: Path, **env: str) -> str:
    run = subprocess.run(
        ["bash", str(root / "scripts/ckan-down.sh")],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_redis_and_postgres_are_kept_while_another_portal_uses_them(checkout) -> None:
    root, redis_pid = checkout
    port = int((root / ".ckan/ckan.ini").read_text().rsplit(":", 1)[1].split("/")[0])
    (root / ".ckan/postgres.started-by-ckan-up").write_text("15 main\n")
    other = other_portal(root, port)
    try:
        time.sleep(0.3)
        said = down(root, CKAN_DOWN_DRY_RUN="1")  # dry run: the real cluster is never at stake
    finally:
        other.kill()
        other.wait()
    assert f"keeping Redis on port {port}: still used by the portal of {root / 'other/ckan.ini'}" in said
    assert "keeping PostgreSQL 15/main: still used (" in said and "other CKAN portal(s) running" in said
    assert alive(redis_pid) and (root / ".ckan/redis.pid").exists()
    assert (root / ".ckan/postgres.started-by-ckan-up").exists()  # kept for a later ckan-down


def test_its_own_redis_is_stopped_when_nobody_else_uses_it(checkout) -> None:
    root, redis_pid = checkout
    assert "would stop Redis" in down(root, CKAN_DOWN_DRY_RUN="1") and alive(redis_pid)
    said = down(root)  # no PostgreSQL marker: the cluster is not this checkout's to stop
    assert f"stopping Redis (pid {redis_pid})" in said and "PostgreSQL" not in said
    for _ in range(50):
        if not alive(redis_pid):
            break
        time.sleep(0.1)
    assert not alive(redis_pid) and not (root / ".ckan/redis.pid").exists()
