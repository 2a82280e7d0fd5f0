"""Benchmark: frictionless validate vs the fast validator vs the whole validate + convert path.

    .venv/bin/python bench/run.py                 # 1M rows: generate if needed, then measure
    .venv/bin/python bench/run.py --findings      # also compare findings on the broken file
    .venv/bin/python bench/run.py --rows 4000000 --skip-frictionless   # what larger inputs cost

Every measurement runs in a fresh Python process, so its peak memory (ru_maxrss) is its own
and includes Arrow's buffers (tracemalloc would not see them). Each process first imports
everything and builds a bundled dataset once, so the seconds are the work, not start-up;
``baseline MB`` is that process's memory before the measured work. frictionless runs once
(about a minute at 1M rows); ours run ``--repeat`` times and the median is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from generate import SLUG, ensure  # bench/generate.py, next to this script

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def measure(name: str, folder: Path) -> dict[str, Any]:
    """Run in the child: warm up, then time ``name`` on the dataset in ``folder``."""
    from opendata import build
    from opendata.manifest import load_manifest

    _warm_up()
    baseline = _rss_mb()
    manifest = load_manifest(folder)
    stages: dict[str, float] = {}
    cpu = _cpu_seconds()
    start = time.perf_counter()
    result: dict[str, Any] = {}
    if name == "frictionless":
        result = _frictionless(manifest.schema_path, folder / "source" / "adresser.csv")
        stages["validate"] = time.perf_counter() - start
    else:
        clock = time.perf_counter()
        raw = build.extract(manifest)
        parsed = build.parse(manifest, raw)
        stages["read CSV"], clock = time.perf_counter() - clock, time.perf_counter()
        prepared, report = build.validate(manifest, parsed, engine="arrow")
        del parsed
        stages["check"], clock = time.perf_counter() - clock, time.perf_counter()
        result = {"rows": report.row_count, "errors": len(report.errors), "engine": report.engine}
        if name == "findings":
            result["findings"] = sorted({(e.row, e.column, e.rule) for e in report.errors}, key=str)
        if name == "pipeline":
            with tempfile.TemporaryDirectory() as out:
                built = build.convert(manifest, prepared, report, raw, Path(out) / SLUG)
                stages["convert"] = time.perf_counter() - clock
                result["bytes"] = {f.key: f.bytes for f in built.files}
    result["seconds"] = time.perf_counter() - start
    result["cpu_seconds"] = _cpu_seconds() - cpu
    result["stages"], result["baseline_mb"] = stages, baseline
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _frictionless(schema_path: Path, csv: Path) -> dict[str, Any]:
    """What ``frictionless validate adresser.csv --schema ...`` does, with the pipeline's limit."""
    from frictionless import Resource, Schema

    from opendata.validate import ERROR_LIMIT

    schema = Schema.from_descriptor(json.loads(schema_path.read_text(encoding="utf-8")))
    resource_ = Resource(path=csv.name, basepath=str(csv.parent), schema=schema, datapackage_version="v2")
    report = resource_.validate(limit_errors=ERROR_LIMIT)
    task = report.tasks[0]
    findings = set()
    for error in task.errors:  # as opendata.validate maps them: (line, field, rule)
        rule = {"type-error": "type", "unique-error": "unique"}.get(error.type, error.type)
        if error.type == "constraint-error":
            rule = error.note.split('"')[1]
        column = getattr(error, "field_name", None) or None
        if error.type == "primary-key":
            column = ", ".join(schema.primary_key)
        findings.add((getattr(error, "row_number", None), column, rule))
    return {
        "rows": task.stats.get("rows"),
        "errors": len(task.errors),
        "findings": sorted(findings, key=str),
    }


def _warm_up() -> None:
    """Imports, and Arrow's and frictionless's first calls, on a small bundled dataset."""
    import pandas  # noqa: F401  (pyarrow imports it lazily on first use)

    from opendata import build
    from opendata.manifest import load_manifest

    manifest = load_manifest(ROOT / "datasets" / "skolor-wifi")
    raw = build.extract(manifest)
    for engine in ("arrow", "frictionless"):
        prepared, report = build.validate(manifest, build.parse(manifest, raw), engine=engine)
        with tempfile.TemporaryDirectory() as out:
            build.convert(manifest, prepared, report, raw, Path(out) / "w")


def _cpu_seconds() -> float:
    """User + system time of this process, all threads: what the work cost the machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_child(name: str, folder: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", name, "--dataset", str(folder)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--findings", action="store_true", help="compare findings on the broken file")
    parser.add_argument("--skip-frictionless", action="store_true")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, Path(args.dataset)), default=str))
        return
    out = ensure(args.rows)
    folder = out / "datasets" / SLUG
    size = (folder / "source" / "adresser.csv").stat().st_size
    load = os.getloadavg()[0]
    print(f"{args.rows:,} rows, {size / 1e6:.0f} MB CSV, {os.cpu_count()} cores, load {load:.1f}")
    results: dict[str, Any] = {"rows": args.rows, "csv_mb": size / 1e6, "load": os.getloadavg()}
    if not args.skip_frictionless:
        results["frictionless"] = run_child("frictionless", folder)
        _line("frictionless validate", results["frictionless"], args.rows)
        theirs = results["frictionless"]
        if theirs["rows"] != args.rows:  # an unreadable file is fast too
            raise SystemExit(f"frictionless read {theirs['rows']} rows: {theirs}")
    for name in ("validate", "pipeline"):
        runs = [run_child(name, folder) for _ in range(args.repeat)]
        results[name] = {
            "runs": runs,
            "median_seconds": statistics.median(r["seconds"] for r in runs),
        }
        best = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
        _line({"validate": "fast validator", "pipeline": "validate + convert"}[name], best, args.rows)
    if "frictionless" in results:
        ratio = results["frictionless"]["seconds"] / results["validate"]["median_seconds"]
        print(f"fast validator / frictionless: {ratio:.0f}x faster")
    if args.findings:
        broken = out / "datasets" / f"{SLUG}-fel"
        theirs, ours = run_child("frictionless", broken), run_child("findings", broken)
        same = {tuple(f) for f in theirs["findings"]} == {tuple(f) for f in ours["findings"]}
        results["findings"] = {
            "frictionless": theirs["errors"],
            "ours": ours["errors"],
            "same": same,
        }
        counts = f"frictionless {theirs['errors']} findings, ours {ours['errors']}"
        print(f"broken file: {counts}, identical: {same}")
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")


def _line(label: str, result: dict[str, Any], rows: int) -> None:
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in result["stages"].items())
    wall, cpu = result["seconds"], result["cpu_seconds"]
    speed = f"{wall:7.2f} s (cpu {cpu:5.2f} s)  {rows / wall:>11,.0f} rows/s"
    memory = f"peak {result['peak_mb']:5.0f} MB (baseline {result['baseline_mb']:.0f})"
    print(f"{label:22} {speed}  {memory}  [{stages}]")


if __name__ == "__main__":
    main()
