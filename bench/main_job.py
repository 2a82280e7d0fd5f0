"""Benchmark: the main job (`make run`'s command) against the same work without Prefect.

    .venv/bin/python bench/main_job.py            # 3 rounds, figures as a Markdown table
    .venv/bin/python bench/main_job.py --rounds 5 --json bench/out/main_job.json
    .venv/bin/python bench/main_job.py --commands     # the commands that need no Prefect

Each round runs, in turn and in fresh processes, on a private copy of datasets/ and schemas/
with its build folder removed first (so every variant does the same work: publish all four
bundled datasets into an empty local catalog):

* **core only**: the four datasets through the core functions and the local target directly
  (extract, validate, convert, publish as one batch), no Prefect at all: the floor.
* **core only, again** and **kept server, again**: the same command at once a second time, on
  the catalog the first one left: nothing changed, nothing is written (a scheduled re-run).
* **kept server**: `opendata publish --all` with this project's local Prefect server already
  running: what `make run` costs once set up.
* **temporary server**: the same command with `OPENDATA_PREFECT_SERVER=temporary`, i.e. Prefect's
  own per-command server (what every run paid before the kept server).
* **first run**: the same command with a new, empty PREFECT_HOME: database creation and server
  start included (what a newcomer's first `make run` pays). Not repeated: once per round.

*cpu* is user + system seconds of the command and its children. The kept server is not a
child of the command, so its own CPU during the run is read from /proc and shown apart
(*server cpu*). Every figure is a median over the rounds; ratios are to *core only* measured
in the same run. The load average is printed, because the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORE_ONLY = """
from pathlib import Path
from opendata import build
from opendata.manifest import discover, load_manifest
from publish.local import LocalCatalog

root = Path({root!r})
target = LocalCatalog(root / "build" / "catalog")
for folder in discover(root / "datasets"):
    manifest = load_manifest(folder)
    raw = build.extract(manifest)
    prepared, report = build.validate(manifest, build.parse(manifest, raw))
    assert report.valid, report.summary()
    built = build.convert(manifest, prepared, report, raw, root / "build" / "work" / manifest.slug)
    print(target.publish(built, batch="bench").change)
target.finish("bench")  # one version for the four, as publish-all does
"""


def project_copy(parent: Path) -> Path:
    root = parent / "project"
    for name in ("datasets", "schemas", "publishers"):
        shutil.copytree(ROOT / name, root / name)
    return root


def env_for(project: Path, home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CKAN_", "OPENDATA_"))}
    env.update(OPENDATA_HOME=str(project), PREFECT_HOME=str(home), OPENDATA_ARCHIVE=str(project / "archive"))
    env.update(extra)
    return env


def timed(command: list[str], env: dict[str, str], cwd: Path, server_pid: int | None = None) -> dict[str, float]:
    """Wall and CPU seconds of one command (children included), plus the kept server's CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = proc_cpu(server_pid)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    server = proc_cpu(server_pid) - server_before if server_pid else 0.0
    return {"wall": wall, "cpu": cpu, "server_cpu": server}


def proc_cpu(leader: int | None) -> float:
    """User + system seconds of a process group (the server leads its own), from /proc."""
    if not leader:
        return 0.0
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == leader:  # pgrp
            ticks += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def server_pid(home: Path) -> int:
    return int((home / "run" / "server.pid").read_text().strip())


VARIANTS = ("core", "core-again", "kept", "kept-again", "temporary", "first")


def run(rounds: int, variants: tuple[str, ...] = VARIANTS) -> dict[str, Any]:
    python = sys.executable
    opendata = [python, "-m", "opendata", "publish", "--all"]
    results: dict[str, list[dict[str, float]]] = {k: [] for k in variants}
    with tempfile.TemporaryDirectory(prefix="bench-main-job-") as tmp:
        project = project_copy(Path(tmp))
        kept_home = Path(tmp) / "kept-home"
        port = os.environ.get("PREFECT_SERVER_API_PORT", "")  # the kept server's, when set (a shared machine)
        start = subprocess.run(
            [python, "-m", "flows.prefect_api", "start"],
            env=env_for(project, kept_home, **({"PREFECT_SERVER_API_PORT": port} if port else {})),
            capture_output=True,
        )
        if start.returncode != 0:
            raise SystemExit(start.stderr.decode())
        try:
            for n in range(rounds):
                for variant in variants:
                    if not variant.endswith("-again"):
                        shutil.rmtree(project / "build", ignore_errors=True)
                    if variant.startswith("core"):
                        code = CORE_ONLY.format(root=str(project))
                        figures = timed([python, "-c", code], env_for(project, kept_home), project)
                    elif variant.startswith("kept"):
                        env = env_for(project, kept_home)
                        figures = timed(opendata, env, project, server_pid(kept_home))
                    elif variant == "temporary":
                        env = env_for(project, Path(tmp) / "temp-home", OPENDATA_PREFECT_SERVER="temporary")
                        figures = timed(opendata, env, project)
                    else:
                        home = Path(tmp) / f"first-home-{n}"
                        figures = timed(opendata, env_for(project, home), project)
                        figures["server_cpu"] = proc_cpu(server_pid(home))  # all of its life: it is new
                        subprocess.run([python, "-m", "flows.prefect_api", "stop"], env=env_for(project, home))
                    results[variant].append(figures)
                    print(f"round {n + 1} {variant}: {figures}", file=sys.stderr)
        finally:
            subprocess.run([python, "-m", "flows.prefect_api", "stop"], env=env_for(project, kept_home))
    return {
        "rounds": rounds,
        "load_average": os.getloadavg(),
        "median": {k: {m: statistics.median(r[m] for r in v) for m in v[0]} for k, v in results.items()},
        "all": results,
    }


LIGHT_COMMANDS = (
    ["--help"],
    ["--version"],
    ["list"],
    ["validate", "strategi-uppfoljning"],
    ["validate", "bredband"],
    ["validate", "skolor-wifi"],
    ["validate", "nyckeltal"],
    ["deployments", "--check"],
)


def commands(rounds: int) -> str:
    """Wall and CPU seconds of each command that needs no orchestration (median of rounds)."""
    rows = ["| command | wall | cpu |", "|---|---|---|"]
    with tempfile.TemporaryDirectory(prefix="bench-commands-") as tmp:
        project = project_copy(Path(tmp))
        shutil.copy(ROOT / "prefect.yaml", project / "prefect.yaml")
        env = env_for(project, Path(tmp) / "home")
        for args in LIGHT_COMMANDS:
            runs = [timed([sys.executable, "-m", "opendata", *args], env, project) for _ in range(rounds)]
            wall = statistics.median(r["wall"] for r in runs)
            cpu = statistics.median(r["cpu"] for r in runs)
            rows.append(f"| `opendata {' '.join(args)}` | {wall:.2f} s | {cpu:.2f} s |")
    return f"{rounds} rounds, load average at the end {os.getloadavg()[0]:.1f}\n\n" + "\n".join(rows)


def table(report: dict[str, Any]) -> str:
    med = report["median"]
    names = {
        "core": "core only (no Prefect)",
        "kept": "`opendata publish --all`, kept server",
        "core-again": "core only, again (nothing changed)",
        "kept-again": "`opendata publish --all`, kept server, again",
        "temporary": "`opendata publish --all`, Prefect's temporary server",
        "first": "`opendata publish --all`, first run (new PREFECT_HOME)",
    }
    lines = [
        f"{report['rounds']} rounds, load average at the end {report['load_average'][0]:.1f}"
        f" (1, 5, 15 min: {', '.join(f'{x:.1f}' for x in report['load_average'])})",
        "",
        "| variant | wall | cpu | server cpu | wall vs core | cpu (+server) vs core |",  # core: the same work
        "|---|---|---|---|---|---|",
    ]
    for key, label in names.items():
        if key not in med:
            continue
        m = med[key]
        floor = med.get("core-again", med["core"]) if key.endswith("-again") else med["core"]
        total = m["cpu"] + m["server_cpu"]
        lines.append(
            f"| {label} | {m['wall']:.1f} s | {m['cpu']:.1f} s | {m['server_cpu']:.1f} s "
            f"| {m['wall'] / floor['wall']:.1f}× | {total / floor['cpu']:.1f}× |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--commands", action="store_true", help="time the commands that need no Prefect")
    parser.add_argument(
        "--variants", default=",".join(VARIANTS), help=f"comma-separated, in this order (default: {','.join(VARIANTS)})"
    )
    args = parser.parse_args()
    if args.commands:
        print(commands(args.rounds))
        return
    chosen = tuple(v for v in VARIANTS if v in args.variants.split(","))
    if "core" not in chosen:
        parser.error("--variants needs core (the ratios are to it)")
    report = run(args.rounds, chosen)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(table(report))


if __name__ == "__main__":
    main()
