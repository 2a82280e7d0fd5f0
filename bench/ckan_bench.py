"""Benchmark: a large broadband-per-address table through the local and the CKAN target.

    .venv/bin/python bench/ckan_bench.py --rows 1000000      # needs the test portal (.ckan/env)

Uses the validation benchmark's dataset (bench/generate.py: broadband coverage per address,
its schema bench/bredband-adresser.schema.json), builds the published files once through the
pipeline (CSV, Parquet, schema, report, datapackage), then runs each measurement in its own
process, so its peak memory (max RSS) is its own:

- ``local``: the local catalog target (copies the files);
- ``ckan``: the CKAN target, a first publish (uploads + typed DataStore load, 10,000 rows a
  call), with the seconds spent in DataStore calls counted apart;
- ``ckan-update``: an update of that published dataset in which every row changed (the
  worst case: the CSV's hash and table signature on the portal are made stale, so the CSV
  and Parquet are uploaded again onto their resources and every row is upserted by key);
  it reports the *mixed-version window*: from the first write readers can see (the first
  DataStore upsert) to the end of the final ``package_update``, and the DataStore part;
- baselines, same run, same file: ``frictionless validate`` of the CSV against its schema;
  a naive DataStore load (one ``datastore_create`` with every record as text and no field
  types, on a sample), and row-by-row ``datastore_upsert`` (on a smaller sample); both are
  extrapolated to the full row count and said so.

Prints a Markdown table for bench/README.md. Run by hand, never by CI.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import SLUG, ensure  # noqa: E402


def built(root: Path) -> Any:
    """The dataset under ``root`` as the pipeline builds it (fetch without archiving, parse,
    check, convert) into <root>/build/<slug>: once, then kept pickled for the steps."""
    source = root / "datasets" / SLUG / "source" / "adresser.csv"
    saved = root / "build" / f"{SLUG}.pickle"
    if saved.exists() and saved.stat().st_mtime > source.stat().st_mtime:
        return pickle.loads(saved.read_bytes())
    from opendata import build
    from opendata.manifest import load_manifest

    manifest = load_manifest(source.parent.parent)
    raw = build.extract(manifest, record=False)
    prepared, report = build.validate(manifest, build.parse(manifest, raw))
    result = build.convert(manifest, prepared, report, raw, saved.parent / SLUG)
    saved.write_bytes(pickle.dumps(result))
    return result


def ckan_client() -> Any:
    from publish.ckan.client import CkanClient

    env = dict(line.split("=", 1) for line in (ROOT / ".ckan" / "env").read_text().split())
    return CkanClient(env["CKAN_URL"], env["CKAN_API_TOKEN"])


def step(name: str, folder: Path, sample: int) -> dict[str, Any]:
    """One measurement, run in a child process; returns seconds and what it did."""
    build = built(folder)
    if name == "frictionless":  # the CLI, as a steward would run it (relative paths: it refuses others)
        started = time.perf_counter()
        done = subprocess.run(
            [
                "/usr/bin/time",
                "-f",
                "%M",
                str(ROOT / ".venv/bin/frictionless"),
                "validate",
                "--schema",
                "schema.json",
                "data.csv",
            ],
            cwd=build.directory,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        if "VALID" not in done.stdout:
            raise SystemExit(f"frictionless did not validate the file: {done.stdout[-500:]}{done.stderr[-500:]}")
        return {"seconds": seconds, "peak_rss_mb": int(done.stderr.strip().splitlines()[-1]) / 1024}
    if name == "local":
        import shutil

        from publish.local import LocalCatalog

        shutil.rmtree(folder / "catalog", ignore_errors=True)  # a first publish, every time
        started = time.perf_counter()
        LocalCatalog(folder / "catalog").publish(build)
        return {"seconds": time.perf_counter() - started}
    client = ckan_client()
    if name == "ckan-update":
        return update_window(client, build)
    if name == "ckan":
        from publish.ckan.target import CkanTarget

        spent = {"datastore": 0.0}
        real = client.call

        def timed(action: str, **data: Any) -> Any:
            t = time.perf_counter()
            try:
                return real(action, **data)
            finally:
                if action.startswith("datastore_"):
                    spent["datastore"] += time.perf_counter() - t

        client.call = timed  # type: ignore[method-assign]
        target = CkanTarget(client, prefix=f"bench-{os.getpid()}-")
        started = time.perf_counter()
        result = target.publish(build)
        return {
            "seconds": time.perf_counter() - started,
            "datastore_seconds": spent["datastore"],
            "dataset": f"bench-{os.getpid()}-{SLUG}",
            "notes": result.notes,
        }
    return naive(name, client, build.file("data-csv").path, sample)


def update_window(client: Any, build: Any) -> dict[str, Any]:
    """Publish, make every row stale on the portal, publish again; time the second run's writes."""
    from publish.ckan import datastore
    from publish.ckan.target import CkanTarget

    target = CkanTarget(client, prefix=f"bench-{os.getpid()}-")
    target.publish(build)
    name = f"bench-{os.getpid()}-{SLUG}"
    csv = next(r for r in client.call("package_show", id=name)["resources"] if r["opendata_key"] == "data-csv")
    stale = datastore.Signature.parse(csv[datastore.SIGNATURE_EXTRA])
    assert stale is not None
    stale = datastore.Signature("sha256:stale", stale.structure, stale.dictionary)
    client.call("resource_patch", id=csv["id"], hash="sha256:other", **{datastore.SIGNATURE_EXTRA: stale.dump()})
    log: list[tuple[str, float, float]] = []
    real = client._call

    def timed(action: str, *args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return real(action, *args, **kwargs)
        finally:
            log.append((action, t, time.perf_counter()))

    client._call = timed
    started = time.perf_counter()
    result = target.publish(build)
    seconds = time.perf_counter() - started
    public = {"datastore_upsert", "datastore_delete", "resource_patch", "package_update"}
    writes = [(s, e) for a, s, e in log if a in public]
    table = [(s, e) for a, s, e in log if a in ("datastore_upsert", "datastore_delete")]
    return {
        "seconds": seconds,
        "window_seconds": writes[-1][1] - writes[0][0],
        "datastore_seconds": table[-1][1] - table[0][0],
        "dataset": name,
        "notes": result.notes,
    }


def naive(name: str, client: Any, data: Path, sample: int) -> dict[str, Any]:
    """The naive loads: untyped records as text, on ``sample`` rows of the same CSV."""
    with data.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        records = [row for _, row in zip(range(sample), reader, strict=False)]
    org = (
        client.show("organization_show", id="testkommunen")
        or client.call("organization_create", name="testkommunen", title="Testkommunen")
    )["id"]
    pkg = client.call("package_create", name=f"bench-naive-{os.getpid()}", owner_org=org, private=True)
    started = time.perf_counter()
    if name == "naive-single":
        client.call("datastore_create", resource={"package_id": pkg["id"], "name": "naive"}, records=records)
    else:  # naive-rows: one record per call
        created = client.call(
            "datastore_create",
            resource={"package_id": pkg["id"], "name": "naive"},
            records=records[:1],
        )
        for record in records[1:]:
            client.call(
                "datastore_upsert",
                resource_id=created["resource_id"],
                method="insert",
                records=[record],
            )
    return {"seconds": time.perf_counter() - started, "sample": sample, "dataset": pkg["name"]}


def cleanup(client: Any, dataset: str) -> None:
    """Drop the DataStore tables, then purge (CKAN's purge leaves tables behind)."""
    for name in (dataset,):
        package = client.show("package_show", id=name)
        if not package:
            continue
        for r in package["resources"]:
            if r.get("datastore_active"):
                client.show("datastore_delete", resource_id=r["id"], force=True)
        client.call("dataset_purge", id=name)


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). Not ru_maxrss: Linux carries the parent's peak across
    fork+exec into the child's ru_maxrss, and the parent holds the generated table."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_child(name: str, folder: Path, sample: int) -> dict[str, Any]:
    """Run one step in a fresh interpreter, so the peak memory is the step's own; meanwhile
    sample the CKAN server's RSS (its VmHWM covers its whole life, not this step)."""
    pid_file = ROOT / ".ckan" / "ckan.pid"
    server = int(pid_file.read_text()) if pid_file.exists() else 0
    child = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--child",
            name,
            "--folder",
            str(folder),
            "--sample",
            str(sample),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    before, peak = rss_mb(server), 0.0
    while child.poll() is None:
        peak = max(peak, rss_mb(server))
        time.sleep(0.1)
    out = child.stdout.read() if child.stdout else ""
    if child.returncode != 0:
        raise SystemExit(f"step {name} failed")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["server_rss"] = f"{before:.0f} -> {peak:.0f}" if server else ""
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--steps", default="local,ckan,frictionless,naive-single,naive-rows")
    parser.add_argument("--naive-sample", type=int, default=100_000)
    parser.add_argument("--rows-sample", type=int, default=2_000)
    parser.add_argument("--keep", action="store_true", help="leave the benchmark datasets on the portal")
    parser.add_argument("--child")
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--sample", type=int, default=0)
    args = parser.parse_args()
    if args.child:
        result = step(args.child, args.folder, args.sample)
        result.setdefault("peak_rss_mb", peak_rss_mb())
        print(json.dumps(result))
        return
    folder = ensure(args.rows)
    build = built(folder)
    rows = build.row_count
    csv_mb, parquet_mb = (build.file(key).bytes / 1e6 for key in ("data-csv", "data-parquet"))
    print(f"{rows:,} rows; CSV {csv_mb:.0f} MB, Parquet {parquet_mb:.0f} MB", flush=True)
    print("| what | rows measured | seconds | rows/s | peak RSS MB (client) | CKAN server RSS MB (before -> peak) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in args.steps.split(","):
        sample = {"naive-single": args.naive_sample, "naive-rows": args.rows_sample}.get(name, rows)
        r = run_child(name, folder, sample)
        measured = r.get("sample", rows)
        print(
            f"| {name} | {measured:,} | {r['seconds']:.1f} | {measured / r['seconds']:,.0f} | "
            f"{r['peak_rss_mb']:.0f} | {r['server_rss'] if name != 'local' else ''} |",
            flush=True,
        )
        if "window_seconds" in r:
            print(
                f"| {name}: files of two versions visible together (first upsert -> final update) | {rows:,} | "
                f"{r['window_seconds']:.1f} | | | |",
                flush=True,
            )
        if "datastore_seconds" in r:
            print(
                f"| {name}: DataStore calls only | {rows:,} | {r['datastore_seconds']:.1f} | "
                f"{rows / r['datastore_seconds']:,.0f} | | |",
                flush=True,
            )
        if measured != rows:
            estimate = r["seconds"] * rows / measured
            print(f"| {name}: extrapolated to {rows:,} | | {estimate:.0f} | | | |")
        if "dataset" in r and not args.keep:
            cleanup(ckan_client(), r["dataset"])


if __name__ == "__main__":
    main()
