"""Benchmark: the DataStore load paths side by side, beside COPY into the same table (the floor).

    nice .venv/bin/python bench/datastore_paths.py --rows 200000     # needs the test portal (.ckan/env)

Same run, same generated table (bench/generate.py, 14 columns, typed), each path into a fresh
DataStore table on its own resource of one private dataset:

- ``copy``: the floor. ``datastore_create`` makes the real DataStore table (types, key,
  CKAN's full-text trigger and indexes), then ``psql \\copy`` streams the CSV into it;
- ``api-1``: the Action API path as it was (``datastore_upsert``, 10,000 rows a call, one call
  at a time); ``api``: the same with ``--concurrency`` calls in flight;
- ``xloader``: the pipeline's xloader path (typed table first, job, index repair, checks);
- ``xloader-own``: xloader on its own (no table beforehand: it makes every column text);
  ``xloader-own+index``: the same, then the full-text index xloader 2.6.0 leaves out
  (``datastore_create`` on the table: CKAN's ``create_indexes``), i.e. xloader's own time to a
  table as searchable as the others.

A ``+batch`` suffix runs the step on the portal restarted with
``CKAN_DATASTORE_EXECUTEMANY=values_plus_batch`` (``scripts/ckan-up.sh``: SQLAlchemy sends
``datastore_upsert``'s rows to PostgreSQL in pages instead of one statement at a time); the
others run with SQLAlchemy's default, ``values_only``, which the portal is left with.

CPU seconds per side, read from /proc: the client (this child process and psql), CKAN (the
server and the job worker, children included), PostgreSQL (the backends serving this portal's
databases, sampled every 0.2 s: a backend born and gone between samples is missed).
Prints a Markdown table for bench/README.md. Run by hand, never by CI.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ckan_bench import built, ckan_client  # noqa: E402
from bench.generate import ensure  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu(pid: int, children: bool = True) -> float:
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(f[11]) + int(f[12]) + (int(f[13]) + int(f[14]) if children else 0)
    return ticks / TICK


def ckan_pids() -> list[int]:
    return [int((ROOT / ".ckan" / n).read_text()) for n in ("ckan.pid", "worker.pid") if (ROOT / ".ckan" / n).exists()]


class PostgresCpu:
    """CPU seconds of the PostgreSQL backends whose title names one of ``databases``."""

    def __init__(self, databases: list[str]) -> None:
        self.databases, self.first, self.last = databases, {}, {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def sample(self) -> None:
        for d in Path("/proc").glob("[0-9]*"):
            try:
                title = (d / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres:") and any(f" {db} " in title for db in self.databases):
                pid = int(d.name)
                now = cpu(pid, children=False)
                self.first.setdefault(pid, now)
                self.last[pid] = now

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            time.sleep(0.2)

    def __enter__(self) -> PostgresCpu:
        self.sample()
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        self.thread.join()
        self.sample()

    @property
    def seconds(self) -> float:
        return sum(self.last[p] - self.first[p] for p in self.last)


def write_url() -> str:
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(ROOT / ".ckan" / "ckan.ini")
    return ini["app:main"]["ckan.datastore.write_url"]


def step(name: str, folder: Path, concurrency: int, package_id: str) -> dict[str, Any]:
    from publish.ckan import datastore, datastore_load

    build = built(folder)
    client = ckan_client()
    csv = build.file("data-csv").path
    res = client.upload("resource_create", csv, package_id=package_id, name=name, format="CSV")
    rid = res["id"]
    spec = datastore.fields(build.schema)
    parquet = build.file("data-parquet").path
    started = time.perf_counter()
    name = name.removesuffix("+batch")
    if name == "copy":
        client.call("datastore_create", resource_id=rid, force=True, fields=spec, primary_key=build.schema.primary_key)
        cols = ", ".join(f'"{f["id"]}"' for f in spec)
        copy = f"\\copy \"{rid}\" ({cols}) FROM '{csv}' WITH (FORMAT csv, HEADER true)"
        subprocess.run(["psql", write_url(), "-Xqc", copy], check=True)
    elif name in ("api", "api-1"):
        calls = 1 if name == "api-1" else concurrency
        datastore.load(client, rid, build.schema, parquet, path="api", concurrency=calls)
    elif name == "xloader":
        notes: list[str] = []
        datastore.load(client, rid, build.schema, parquet, path="xloader", notes=notes)
    elif name in ("xloader-own", "xloader-own+index"):
        datastore_load.run_xloader(client, rid)
        if name == "xloader-own+index":
            own = [{"id": f["id"], "type": f["type"]} for f in client.call("datastore_info", id=rid)["fields"]]
            client.call("datastore_create", resource_id=rid, force=True, fields=own, calculate_record_count=False)
    seconds = time.perf_counter() - started
    total = client.call("datastore_search", resource_id=rid, limit=0)["total"]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = usage.ru_utime + usage.ru_stime + kids.ru_utime + kids.ru_stime
    client.show("datastore_delete", resource_id=rid, force=True)
    return {"seconds": seconds, "rows": total, "client_cpu": client_cpu}


def portal(executemany: str) -> None:
    """The test portal (re)started with ``executemany`` (ckan-up restarts it when its ini changes)."""
    env = {**os.environ, "CKAN_DATASTORE_EXECUTEMANY": executemany}
    subprocess.run(["bash", str(ROOT / "scripts" / "ckan-up.sh")], env=env, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--steps", default="copy,api,api-1,xloader,xloader-own")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--child")
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--package")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(step(args.child, args.folder, args.concurrency, args.package)))
        return
    folder = ensure(args.rows)
    build = built(folder)
    client = ckan_client()
    org = client.show("organization_show", id="testkommunen") or client.call(
        "organization_create", name="testkommunen", title="Testkommunen"
    )
    pkg = client.call("package_create", name=f"bench-paths-{os.getpid()}", owner_org=org["id"], private=True)
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(ROOT / ".ckan" / "ckan.ini")
    dbs = [ini["app:main"][k].rsplit("/", 1)[1] for k in ("sqlalchemy.url", "ckan.datastore.write_url")]
    print(f"{build.row_count:,} rows, {len(build.schema.fields)} columns; load average {os.getloadavg()[0]:.1f}")
    print("| path | seconds | rows/s | vs COPY | CPU s client | CPU s CKAN | CPU s PostgreSQL |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    floor = None
    try:
        mode, rates = "", dict[str, float]()
        for name in args.steps.split(","):
            wanted = "values_plus_batch" if name.endswith("+batch") else "values_only"
            if wanted != mode:
                portal(mode := wanted)
            before = sum(cpu(p) for p in ckan_pids())
            command = [sys.executable, __file__, "--child", name, "--folder", str(folder), "--package", pkg["id"]]
            command += ["--concurrency", str(args.concurrency)]
            with PostgresCpu(dbs) as pg:
                out = subprocess.run(
                    command,
                    capture_output=True,
                    text=True,
                    check=False,
                )
            if out.returncode:
                print(f"| {name} | failed: {out.stderr.strip().splitlines()[-1:]} |", flush=True)
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            ckan = sum(cpu(p) for p in ckan_pids()) - before
            rate = r["rows"] / r["seconds"]
            floor = floor or (rate if name == "copy" else None)
            ratio = f"{rate / floor:.2f}" if floor else ""
            rates[name] = rate
            print(
                f"| {name} | {r['seconds']:.1f} | {rate:,.0f} | {ratio} | {r['client_cpu']:.1f} | {ckan:.1f} | "
                f"{pg.seconds:.1f} |",
                flush=True,
            )
            if r["rows"] != build.row_count:
                print(f"| {name}: {r['rows']} rows in the table, expected {build.row_count} | |", flush=True)
        for path, base in (("api", "api-1"), ("api+batch", "api-1"), ("xloader", "xloader-own"),
                           ("xloader", "xloader-own+index")):  # fmt: skip
            if path in rates and base in rates:
                print(f"{path} / {base}: {rates[path] / rates[base]:.2f}×")
    finally:  # a fresh client: the first one's per-dataset deadline counts from its first call
        if mode != "values_only":
            portal("values_only")
        ckan_client().call("dataset_purge", id=pkg["id"])
        print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
