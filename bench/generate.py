"""Generate the benchmark dataset: broadband coverage per address, seeded, into bench/out/.

    .venv/bin/python bench/generate.py [--rows 1000000] [--seed 20240601] [--broken 0.001]

Writes a dataset folder the pipeline reads like any other (``dataset.yaml`` + CSV source,
schema ``bench/bredband-adresser.schema.json``): ``bredband-adresser`` is valid;
``bredband-adresser-fel`` is the same file with ``--broken`` of its rows each given one
bad cell (every constraint kind of the schema, dates like 2024-02-30, decimal commas,
repeated keys), for comparing findings at scale. Same seed, same bytes.
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
    number = rng.integers(1, 250, rows).astype(str)
    return {
        "address_id": pa.array(_uuids(rng, rows)),
        "municipality_code": codes,
        "municipality": names,
        "postal_code": pa.array(
            np.char.add(
                np.char.add(rng.integers(100, 999, rows).astype(str), " "),
                np.char.zfill(rng.integers(0, 99, rows).astype(str), 2),
            )
        ),
        "postal_town": names,
        "street": pc.binary_join_element_wise(
            pa.array(STREETS).take(pa.array(rng.integers(0, len(STREETS), rows))),
            pa.array(number),
            " ",
        ),
        "house_number": _blank_some(pa.array(number), rng, 0.03),
        "latitude": pa.array(np.char.mod("%.5f", rng.uniform(55.4, 68.9, rows))),
        "longitude": pa.array(np.char.mod("%.5f", rng.uniform(11.1, 24.0, rows))),
        "technology": pa.array(TECHNOLOGY[0]).take(pa.array(tech)),
        "max_download_mbps": pa.array(speed.astype(str)),
        "fiber_connected": pa.array(np.where(fiber, "true", "false")),
        "survey_date": pa.array(days.astype("datetime64[D]").astype(str)),
        "updated_at": _blank_some(pa.array(updated.astype("datetime64[s]").astype(str)), rng, 0.1),
    }


def _uuids(rng: np.random.Generator, rows: int) -> list[str]:
    raw = rng.integers(0, 256, (rows, 16), dtype=np.uint8)
    out = []
    for h in (bytes(r).hex() for r in raw):
        out.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}")
    return out


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
    ("address_id", "not-a-uuid"), ("address_id", ""),
]  # fmt: skip


def broken(table: dict[str, pa.Array], rng: np.random.Generator, share: float) -> dict[str, pa.Array]:
    rows = len(table["address_id"])
    where = np.sort(rng.choice(np.arange(1, rows), int(rows * share), replace=False))
    kinds = rng.integers(0, len(BREAKS), where.size)
    edits: dict[str, dict[int, str]] = {}
    ids = table["address_id"]
    for row, kind in zip(where.tolist(), kinds.tolist(), strict=True):
        column, text = BREAKS[kind]
        edits.setdefault(column, {})[row] = ids[row - 1].as_py() if text == "{prev}" else text
    out = dict(table)
    for column, cells in edits.items():
        values = out[column].to_pylist()
        for row, text in cells.items():
            values[row] = text
        out[column] = pa.array(values, pa.string())
    return out


def write_csv(table: dict[str, pa.Array], path: Path) -> None:
    """Comma-separated, quoted only where a cell needs it, like a spreadsheet export."""
    cells = []
    for column in table.values():
        needs = pc.match_substring_regex(column, '[,"\n]')
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
        cells.append(pc.if_else(needs, quoted, column))
    lines = pc.binary_join_element_wise(*cells, ",")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write((",".join(table) + "\n").encode())
        for chunk in range(0, len(lines), 100_000):
            part = lines.slice(chunk, 100_000)
            handle.write(("\n".join(part.to_pylist()) + "\n").encode("utf-8"))


def write_dataset(out: Path, slug: str, table: dict[str, pa.Array]) -> Path:
    folder = out / "datasets" / slug
    write_csv(table, folder / "source" / "adresser.csv")
    (folder / "dataset.yaml").write_text(
        MANIFEST.format(slug=slug, schema=HERE / f"{SLUG}.schema.json"), encoding="utf-8"
    )
    return folder


MANIFEST = """# Generated by bench/generate.py
title:
  sv: Bredbandstäckning per adress (benchmark)
  en: Broadband coverage per address (benchmark)
description: {{sv: Genererade data för prestandamätning., en: Generated data for benchmarking.}}
themes: [TECH]
frequency: ANNUAL
sample_data: true
schema: {schema}
source: {{type: csv, path: source/adresser.csv, delimiter: ",", encoding: utf-8}}
"""


def root(rows: int) -> Path:
    """Where ``rows`` rows live: bench/out for a million, bench/out/<k>k otherwise."""
    return OUT / (f"{rows // 1000}k" if rows != 1_000_000 else "")


def ensure(rows: int) -> Path:
    """``root(rows)``, generated first if needed. In a child process: Linux carries a parent's
    peak memory across fork+exec into its children's ru_maxrss, which the benchmarks measure."""
    out = root(rows)
    if not (out / "datasets" / SLUG / "source" / "adresser.csv").exists():
        run = [sys.executable, str(Path(__file__).resolve()), "--rows", str(rows), "--out", str(out)]
        subprocess.run(run, check=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--broken", type=float, default=0.001, help="share of rows with a bad cell")
    parser.add_argument("--out", type=Path, default=OUT, help="where datasets/ goes (bench/out)")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    table = columns(args.rows, rng)
    (args.out / "datasets").mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE.parent / "datasets" / "_defaults.yaml", args.out / "datasets" / "_defaults.yaml")
    for slug, data in ((SLUG, table), (f"{SLUG}-fel", broken(table, rng, args.broken))):
        folder = write_dataset(args.out, slug, data)
        size = (folder / "source" / "adresser.csv").stat().st_size
        print(f"{folder / 'source' / 'adresser.csv'}: {args.rows} rows, {size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
