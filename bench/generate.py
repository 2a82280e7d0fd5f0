"""Generate the benchmark dataset: broadband coverage per address, seeded, into bench/out/.

    .venv/bin/python bench/generate.py [--rows 1000000] [--seed 20240601] [--broken 0.001]

Writes a dataset folder the pipeline reads like any other (``dataset.yaml`` + CSV source,
schema ``bench/bredband-adresser.schema.json``): ``bredband-adresser`` is valid;
``bredband-adresser-fel`` is the same file with ``--broken`` of its rows each given one
bad cell (every constraint kind of the schema, dates like 2024-02-30, decimal commas,
repeated keys, next to the first or far from it), for comparing findings at scale. Same seed,
same bytes.

Rows are made and written in chunks of ``CHUNK`` rows (each chunk from its own seeded
generator), both files side by side, so 20 million rows need the memory of one chunk,
not of the whole table (about 17 GB).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
SLUG = "bredband-adresser"
MUNICIPALITIES = [
    ("2284", "Örnsköldsvik"), ("0180", "Stockholm"), ("1480", "Göteborg"), ("1280", "Malmö"),
    ("0380", "Uppsala"), ("2480", "Umeå"), ("2281", "Sundsvall"), ("2580", "Luleå"),
    ("0580", "Linköping"), ("1880", "Örebro"), ("1980", "Västerås"), ("0680", "Jönköping"),
    ("2180", "Gävle"), ("1283", "Helsingborg"), ("2482", "Skellefteå"), ("2283", "Sollefteå"),
    ("2262", "Timrå"), ("2380", "Östersund"), ("1290", "Kristianstad"), ("2584", "Kiruna"),
]  # fmt: skip
STREETS = [
    "Storgatan", "Kyrkogatan", "Skolgatan", "Järnvägsgatan", "Ågatan", "Nygatan", "Björkvägen",
    "Tallvägen", "Granvägen", "Älvvägen", "Strandvägen", "Backvägen", "Östra Långgatan",
    "Södra Vägen", "Gröna Gången", "Ängsvägen", "Hamngatan", "Industrivägen", "Sjövägen",
    "Bäckvägen", "Kungsgatan", "Drottninggatan", "Torggatan", "Övre Bergsgatan",
]  # fmt: skip
TECHNOLOGY = (["fiber", "kabel-tv", "dsl", "fast radio", "mobilt"], [0.72, 0.08, 0.05, 0.05, 0.10])
SPEEDS = np.array([10, 30, 60, 100, 250, 500, 1000])
CHUNK = 250_000
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def columns(rows: int, rng: np.random.Generator) -> dict[str, pa.Array]:
    """The 14 columns as text, as a steward's export would have them."""
    place = rng.integers(0, len(MUNICIPALITIES), rows)
    codes = pa.array([c for c, _ in MUNICIPALITIES]).take(pa.array(place))
    names = pa.array([n for _, n in MUNICIPALITIES]).take(pa.array(place))
    tech = rng.choice(len(TECHNOLOGY[0]), rows, p=TECHNOLOGY[1])
    fiber = tech == 0
    speed = np.where(fiber, rng.choice(SPEEDS[3:], rows), rng.choice(SPEEDS[:5], rows))
    days = rng.integers(np.datetime64("2016-10-01").astype(int), np.datetime64("2024-10-02").astype(int), rows)
    second = np.datetime64("2024-01-01T00:00:00").astype("datetime64[s]").astype(int)
    updated = rng.integers(second, second + 366 * 86400, rows)
    number = _text(rng.integers(1, 250, rows))
    return {
        "address_id": _uuids(rng, rows),
        "municipality_code": codes,
        "municipality": names,
        "postal_code": pc.binary_join_element_wise(
            _text(rng.integers(100, 999, rows)), pc.utf8_lpad(_text(rng.integers(0, 99, rows)), 2, "0"), " "
        ),
        "postal_town": names,
        "street": pc.binary_join_element_wise(
            pa.array(STREETS).take(pa.array(rng.integers(0, len(STREETS), rows))),
            number,
            " ",
        ),
        "house_number": _blank_some(number, rng, 0.03),
        "latitude": _decimals(rng.uniform(55.4, 68.9, rows)),
        "longitude": _decimals(rng.uniform(11.1, 24.0, rows)),
        "technology": pa.array(TECHNOLOGY[0]).take(pa.array(tech)),
        "max_download_mbps": _text(speed),
        "fiber_connected": pa.array(np.where(fiber, "true", "false")),
        "survey_date": pc.cast(pa.array(days.astype("datetime64[D]")), pa.string()),
        "updated_at": _blank_some(pc.strftime(pa.array(updated.astype("datetime64[s]")), TIME_FORMAT), rng, 0.1),
    }


def _text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def _decimals(values: np.ndarray) -> pa.Array:
    """'%.5f' of positive numbers, in Arrow (numpy's char formatting is slow and large)."""
    scaled = np.round(values * 100_000).astype(np.int64)
    whole, part = _text(scaled // 100_000), pc.utf8_lpad(_text(scaled % 100_000), 5, "0")
    return pc.binary_join_element_wise(whole, part, ".")


HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_AT = np.array([i for i in range(36) if i not in (8, 13, 18, 23)])


def _uuids(rng: np.random.Generator, rows: int) -> pa.Array:
    """Random version-4-looking UUIDs (lowercase hex), built as one Arrow buffer."""
    raw = rng.integers(0, 256, (rows, 16), dtype=np.uint8)
    nibbles = np.empty((rows, 32), dtype=np.uint8)
    nibbles[:, 0::2], nibbles[:, 1::2] = raw >> 4, raw & 15
    nibbles[:, 12] = 4
    text = np.full((rows, 36), ord("-"), dtype=np.uint8)
    text[:, _AT] = HEX[nibbles]
    offsets = np.arange(0, rows * 36 + 1, 36, dtype=np.int32)
    return pa.StringArray.from_buffers(rows, pa.py_buffer(offsets.tobytes()), pa.py_buffer(text.tobytes()))


def _blank_some(column: pa.Array, rng: np.random.Generator, share: float) -> pa.Array:
    return pc.if_else(pa.array(rng.random(len(column)) < share), "", column)


# One bad cell per broken row: (column, bad text). '{prev}' repeats the previous row's key.
BREAKS = [
    ("survey_date", "2024-02-30"), ("survey_date", "2014-12-31"), ("survey_date", "2024-3-5"),
    ("latitude", "63,29"), ("latitude", "70.5"), ("longitude", "NaN"), ("longitude", "1e1"),
    ("technology", "Fiber"), ("technology", ""), ("max_download_mbps", "20000"),
    ("max_download_mbps", "1.0"), ("max_download_mbps", "+100"), ("house_number", "12B"),
    ("house_number", "0"), ("postal_code", "89133"), ("postal_code", "891 3"),
    ("municipality_code", "228"),
    ("municipality", "Örnsköldsviks kommun, Västernorrlands län, Sverige"),
    ("postal_town", "Ö"), ("street", ""), ("fiber_connected", "ja"), ("fiber_connected", "TRUE"),
    ("updated_at", "2024-13-01T00:00:00"), ("updated_at", "2024-06-01"), ("address_id", "{prev}"),
    ("address_id", "{first}"), ("address_id", "not-a-uuid"), ("address_id", ""),
]  # fmt: skip


def broken(table: dict[str, pa.Array], rng: np.random.Generator, share: float, first: str) -> dict[str, pa.Array]:
    """``share`` of the rows (never a chunk's first) with one bad cell; '{first}' is the file's first key."""
    rows = len(table["address_id"])
    count = min(rows - 1, round(rows * share))
    where = np.sort(rng.choice(np.arange(1, rows), count, replace=False)) if count > 0 else np.zeros(0, np.int64)
    kinds = rng.integers(0, len(BREAKS), where.size)
    edits: dict[str, dict[int, str]] = {}
    ids = table["address_id"]
    for row, kind in zip(where.tolist(), kinds.tolist(), strict=True):
        column, text = BREAKS[kind]
        text = {"{prev}": ids[row - 1].as_py(), "{first}": first}.get(text, text)
        edits.setdefault(column, {})[row] = text
    out = dict(table)
    for column, cells in edits.items():
        at = np.zeros(rows, dtype=bool)
        at[list(cells)] = True
        values = pa.array([cells[r] for r in sorted(cells)], pa.string())
        out[column] = pc.replace_with_mask(out[column], pa.array(at), values)
    return out


def csv_lines(table: dict[str, pa.Array]) -> pa.Buffer:
    """Comma-separated lines, quoted only where a cell needs it, like a spreadsheet export."""
    cells = []
    for column in table.values():
        needs = pc.or_(pc.or_(pc.match_substring(column, ","), pc.match_substring(column, '"')),
                       pc.match_substring(column, "\n"))  # fmt: skip
        if not pc.any(needs).as_py():
            cells.append(column)
            continue
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
        cells.append(pc.if_else(needs, quoted, column))
    lines = pc.binary_join_element_wise(*cells, ",")
    lines = pc.binary_join_element_wise(lines, "", "\n")  # 'line' + '\n' + '': one buffer of whole lines
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    return lines.buffers()[2][offsets[lines.offset] : offsets[lines.offset + len(lines)]]


def write_datasets(out: Path, rows: int, seed: int, share: float, valid_only: bool = False) -> list[Path]:
    """Both datasets, chunk by chunk: the valid file and the broken one, side by side."""
    folders, handles = [], []
    for slug in (SLUG,) if valid_only else (SLUG, f"{SLUG}-fel"):
        folder = out / "datasets" / slug
        (folder / "source").mkdir(parents=True, exist_ok=True)
        (folder / "dataset.yaml").write_text(
            MANIFEST.format(slug=slug, schema=HERE / f"{SLUG}.schema.json"), encoding="utf-8"
        )
        folders.append(folder)
        handles.append((folder / "source" / "adresser.csv").open("wb"))
    first = ""
    try:
        for index, start in enumerate(range(0, rows, CHUNK)):
            rng = np.random.default_rng([seed, index])
            table = columns(min(CHUNK, rows - start), rng)
            first = first or table["address_id"][0].as_py()
            tables = [table] if valid_only else [table, broken(table, rng, share, first)]
            for handle, data in zip(handles, tables, strict=True):
                if index == 0:
                    handle.write((",".join(data) + "\n").encode())
                handle.write(csv_lines(data))
    finally:
        for handle in handles:
            handle.close()
    return folders


MANIFEST = """# Generated by bench/generate.py
publisher: ornskoldsvik
title:
  sv: Bredbandstäckning per adress (benchmark)
  en: Broadband coverage per address (benchmark)
description: {{sv: Genererade data för prestandamätning., en: Generated data for benchmarking.}}
themes: [TECH]
frequency: ANNUAL
sample_data: true
xlsx: false
schema: {schema}
source: {{type: csv, path: source/adresser.csv, delimiter: ",", encoding: utf-8}}
"""


def root(rows: int) -> Path:
    """Where ``rows`` rows live: bench/out for a million, bench/out/<k>k otherwise."""
    return OUT / (f"{rows // 1000}k" if rows != 1_000_000 else "")


def ensure(rows: int, valid_only: bool = False) -> Path:
    """``root(rows)``, generated first if needed. In a child process: Linux carries a parent's
    peak memory across fork+exec into its children's ru_maxrss, which the benchmarks measure."""
    out = root(rows)
    if not (out / "datasets" / SLUG / "source" / "adresser.csv").exists():
        run = [sys.executable, str(Path(__file__).resolve()), "--rows", str(rows), "--out", str(out)]
        run += ["--valid-only"] if valid_only else []
        subprocess.run(run, check=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--broken", type=float, default=0.001, help="share of rows with a bad cell")
    parser.add_argument("--out", type=Path, default=OUT, help="where datasets/ goes (bench/out)")
    parser.add_argument("--valid-only", action="store_true", help="not the broken copy (halves the time)")
    args = parser.parse_args()
    (args.out / "datasets").mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE.parent / "datasets" / "_defaults.yaml", args.out / "datasets" / "_defaults.yaml")
    shutil.copytree(HERE.parent / "publishers", args.out / "publishers", dirs_exist_ok=True)  # beside datasets/
    for folder in write_datasets(args.out, args.rows, args.seed, args.broken, args.valid_only):
        size = (folder / "source" / "adresser.csv").stat().st_size
        print(f"{folder / 'source' / 'adresser.csv'}: {args.rows} rows, {size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
