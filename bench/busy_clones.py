"""Issue 9's acceptance check: `make run` in fresh clones while every core is kept busy.

    .venv/bin/python bench/busy_clones.py --clones 5

Each clone is a `git clone` of this checkout's HEAD into a temporary folder, set up and run
with `make run` exactly as a newcomer would (its own .tools, .venv and Prefect home; its kept
Prefect server on a free port), while one busy loop per core runs the whole time. A clone
passes when `make run` exits 0 and prints no traceback. Each clone's server is stopped
(`make serve-down`) and its folder removed afterwards. Prints one line per clone and the
load average seen; figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import cpu_burner  # noqa: E402  (the suite's own burner)


def fresh_env() -> dict[str, str]:
    """The environment of a newcomer's shell: none of this checkout's Prefect or CKAN settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CKAN_", "OPENDATA_"))}


def one_clone(number: int) -> tuple[bool, str]:
    folder = Path(tempfile.mkdtemp(prefix=f"busy-clone-{number}-"))
    clone = folder / "repo"
    try:
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = fresh_env()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        done = subprocess.run(["make", "run"], cwd=clone, env=env, capture_output=True, text=True, check=False)
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        output = done.stdout + done.stderr
        ok = done.returncode == 0 and "Traceback" not in output
        last = next((line for line in reversed(done.stdout.splitlines()) if line.strip()), "")
        line = f"clone {number}: exit {done.returncode}, traceback {'yes' if 'Traceback' in output else 'no'}, "
        line += f"{wall:.1f} s wall, {cpu:.1f} CPU-s (set-up included), load {os.getloadavg()[0]:.1f}; {last}"
        if not ok:
            line += "\n" + output[-3000:]
        return ok, line
    finally:
        subprocess.run(["make", "-s", "serve-down"], cwd=clone, env=fresh_env(), capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clones", type=int, default=5)
    args = parser.parse_args()
    passed = 0
    with cpu_burner(seconds=3600):
        time.sleep(5)  # the loops are running before the first clone starts
        for number in range(1, args.clones + 1):
            ok, line = one_clone(number)
            passed += ok
            print(line, flush=True)
    print(f"{passed} of {args.clones} fresh clones ran `make run` without a failure or a traceback")
    return 0 if passed == args.clones else 1


if __name__ == "__main__":
    raise SystemExit(main())
