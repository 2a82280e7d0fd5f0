"""Benchmark: frictionless validate vs the fast validator vs the whole validate + convert path.

    .venv/bin/python bench/run.py                 # 1M rows: generate if needed, then measure
    .venv/bin/python bench/run.py --findings      # also compare findings on the broken file
    .venv/bin/python bench/run.py --rows 1000000,4000000,20000000 --skip-frictionless \
        --skip-validate --repeat 1            # larger inputs, one run (in memory only up to 4M)

*validate + convert* streams a file larger than ``OPENDATA_STREAM_BYTES`` (opendata.streaming);
*in memory* is the same job with the whole table in memory (the path before streaming), and
*floor* a bare pyarrow typed read + CSV/Parquet write of the same file, batch by batch, that
the ratios are taken against.

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
    elif name == "floor":
        result = _floor(manifest.schema_path, folder / "source" / "adresser.csv")
        stages["read + write"] = time.perf_counter() - start
    else:
        clock = time.perf_counter()
        raw = build.extract(manifest, record=False)
        parsed = build.parse(manifest, raw)
        stages["read CSV"], clock = time.perf_counter() - clock, time.perf_counter()
        prepared, report = build.validate(manifest, parsed, engine="arrow")
        del parsed
        stages["check"], clock = time.perf_counter() - clock, time.perf_counter()
        result = {"rows": report.row_count, "errors": len(report.errors), "engine": report.engine}
        if name == "findings":
            result["findings"] = sorted({(e.row, e.column, e.rule) for e in report.errors}, key=str)
        if name in ("pipeline", "memory"):
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

    from opendata.validate.messages import ERROR_LIMIT

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


def _floor(schema_path: Path, csv: Path) -> dict[str, Any]:
    """What Arrow alone costs: the file read typed in batches, written as CSV and Parquet (zstd)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from opendata.convert import _csv_ready
    from opendata.table_schema import load_schema

    schema = load_schema(schema_path)
    target = schema.arrow_schema()
    reader = pacsv.open_csv(
        csv,
        read_options=pacsv.ReadOptions(block_size=4 * 1024 * 1024, use_threads=False),  # as opendata.streaming
        convert_options=pacsv.ConvertOptions(
            column_types={f.name: f.type for f in target}, null_values=[""], strings_can_be_null=True,
            timestamp_parsers=["%Y-%m-%dT%H:%M:%S"],
        ),
    )  # fmt: skip
    rows = 0
    with tempfile.TemporaryDirectory() as out:
        parquet = pq.ParquetWriter(Path(out) / "data.parquet", target, compression="zstd")
        text: pacsv.CSVWriter | None = None
        for batch in reader:
            table = pa.Table.from_batches([batch]).cast(target)
            ready = _csv_ready(table)
            text = text or pacsv.CSVWriter(Path(out) / "data.csv", ready.schema)
            text.write_table(ready)
            parquet.write_table(table)
            rows += table.num_rows
        parquet.close()
        if text is not None:
            text.close()
    return {"rows": rows}


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


# The path before streaming: every file read whole (and allowed to be as large as it is).
IN_MEMORY = {"OPENDATA_STREAM_BYTES": str(2**62), "OPENDATA_MAX_SOURCE_BYTES": str(2**62)}


def run_child(name: str, folder: Path) -> dict[str, Any]:
    env = {**os.environ, **(IN_MEMORY if name == "memory" else {})}
    done = subprocess.run(
        [sys.executable, __file__, "--measure", name, "--dataset", str(folder)],
        check=True, capture_output=True, text=True, cwd=ROOT, env=env,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


LABELS = {
    "floor": "floor (Arrow read+write)",
    "validate": "fast validator",
    "pipeline": "validate + convert",
    "memory": "same, in memory (before)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000", help="row counts, comma-separated: one run measures each")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--findings", action="store_true", help="compare findings on the broken file")
    parser.add_argument("--skip-frictionless", action="store_true")
    parser.add_argument("--skip-memory", action="store_true", help="not the in-memory path (20M rows: ~10 GB)")
    parser.add_argument("--memory-up-to", type=int, default=4_000_000, help="the in-memory path only up to these rows")
    parser.add_argument("--skip-validate", action="store_true", help="not the validator alone")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, Path(args.dataset)), default=str))
        return
    for rows in [int(r.replace("_", "")) for r in args.rows.split(",")]:
        measure_rows(args, rows)


def measure_rows(args: argparse.Namespace, rows: int) -> None:
    """Every measurement at ``rows`` rows, interleaved ``--repeat`` times; results.json beside the data."""
    out = ensure(rows, valid_only=not args.findings)
    folder = out / "datasets" / SLUG
    size = (folder / "source" / "adresser.csv").stat().st_size
    load = os.getloadavg()[0]
    print(f"{rows:,} rows, {size / 1e6:.0f} MB CSV, {os.cpu_count()} cores, load {load:.1f}", flush=True)
    results: dict[str, Any] = {"rows": rows, "csv_mb": size / 1e6, "load": os.getloadavg()}
    if not args.skip_frictionless:
        results["frictionless"] = run_child("frictionless", folder)
        _line("frictionless validate", results["frictionless"], rows)
        theirs = results["frictionless"]
        if theirs["rows"] != rows:  # an unreadable file is fast too
            raise SystemExit(f"frictionless read {theirs['rows']} rows: {theirs}")
    names = [
        "floor",
        *([] if args.skip_validate else ["validate"]),
        "pipeline",
        *([] if args.skip_memory or rows > args.memory_up_to else ["memory"]),
    ]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for _ in range(args.repeat):  # interleaved, so a busy moment of the machine hits each alike
        for name in names:
            runs[name].append(run_child(name, folder))
    floor = sorted(runs["floor"], key=lambda r: r["seconds"])[len(runs["floor"]) // 2]
    for name in names:
        results[name] = {"runs": runs[name], "median_seconds": statistics.median(r["seconds"] for r in runs[name])}
        best = sorted(runs[name], key=lambda r: r["seconds"])[len(runs[name]) // 2]
        _line(LABELS[name], best, rows, floor)
    if "memory" in runs:  # the streamed path's CPU against the path before it, same run
        ratio = statistics.median(r["cpu_seconds"] for r in runs["pipeline"]) / statistics.median(
            r["cpu_seconds"] for r in runs["memory"]
        )
        print(f"validate + convert, streamed / in memory: {ratio:.2f}x cpu (medians)")
    results["load_after"] = os.getloadavg()
    print(f"load average after: {results['load_after'][0]:.1f}", flush=True)
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


def _line(label: str, result: dict[str, Any], rows: int, floor: dict[str, Any] | None = None) -> None:
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in result["stages"].items())
    wall, cpu = result["seconds"], result["cpu_seconds"]
    speed = f"{wall:7.2f} s (cpu {cpu:6.2f} s)  {rows / wall:>11,.0f} rows/s"
    memory = f"peak {result['peak_mb']:5.0f} MB (baseline {result['baseline_mb']:.0f})"
    ratio = f"  {wall / floor['seconds']:.2f}x wall, {cpu / floor['cpu_seconds']:.2f}x cpu of floor" if floor else ""
    print(f"{label:26} {speed}  {memory}{ratio}  [{stages}]")


if __name__ == "__main__":
    main()
