"""Writes the SAMPLE raw snapshot of datasets/moss-nokkeltall: SSB PxWebApi v2 answers in
JSON-stat 2.0, with made-up values, for the selection in the dataset's manifest.

It is not a real response: its snapshot.json says ``"sample": true`` and why, and the
dataset's title and description say "sample data". The values follow each municipality code's
years (0104 until 2019, 3002 in 2020–2023, 3103 from 2024); other cells carry SSB's status
".." with no value, as SSB answers them. Run:
    .venv/bin/python scripts/make_ssb_sample_snapshot.py
"""

from __future__ import annotations

import itertools
import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from opendata.archive import LOG_FILE, Archive  # noqa: E402
from opendata.manifest import load_manifest  # noqa: E402
from opendata.sources.base import RawPart  # noqa: E402
from opendata.sources.network import snapshot_of  # noqa: E402
from opendata.sources.ssb import SsbSettings, data_url, split  # noqa: E402

SLUG = "moss-nokkeltall"
RECORDED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
NOTE = "SAMPLE: written by scripts/make_ssb_sample_snapshot.py in SSB's documented format; not a real response"
REGION_LABELS = {"3103": "Moss", "3002": "Moss (2020-2023)", "0104": "Moss (-2019)"}
# Made-up figures per content code: (label, first year's value, yearly change).
CONTENTS = {
    "KOSandel80aar0000": ("Andel innbyggere 80 år og over (prosent)", 4.3, 0.12),
    "KOSnettodriftsres0000": ("Netto driftsresultat i prosent av brutto driftsinntekter (prosent)", 1.8, -0.35),
    "KOSgrunnskolepoeng0000": ("Grunnskolepoeng, gjennomsnitt (poeng)", 40.1, 0.2),
}


def answer(settings: SsbSettings, query: dict[str, list[str]], municipality: Any) -> dict[str, Any]:
    ids = list(query)
    combos = list(itertools.product(*query.values()))
    values: list[float | None] = []
    status: dict[str, str] = {}
    for i, combo in enumerate(combos):
        cell = dict(zip(ids, combo, strict=True))
        year = int(cell["Tid"])
        span = next(c for c in municipality.codes if c.code == cell[municipality.variable])
        if span.covers(year):
            _, start, step = CONTENTS[cell["ContentsCode"]]
            values.append(round(start + step * (year - int(query["Tid"][0])), 1))
        else:
            values.append(None)
            status[str(i)] = ".."
    labels = {
        municipality.variable: ("region", REGION_LABELS),
        "ContentsCode": ("statistikkvariabel", {k: v[0] for k, v in CONTENTS.items()}),
        "Tid": ("år", {y: y for y in query["Tid"]}),
    }
    return {
        "version": "2.0",
        "class": "dataset",
        "label": f"{settings.table}: Utvalgte nøkkeltall for kommuner (EKSEMPELDATA)",
        "source": "Statistisk sentralbyrå",
        "updated": "2026-06-15T06:00:00Z",
        "id": ids,
        "size": [len(query[v]) for v in ids],
        "dimension": {
            var: {
                "label": labels[var][0],
                "category": {
                    "index": {c: n for n, c in enumerate(query[var])},
                    "label": {c: labels[var][1][c] for c in query[var]},
                },
            }
            for var in ids
        },
        "value": values,
        "status": status,
        "role": {"time": ["Tid"], "geo": [municipality.variable], "metric": ["ContentsCode"]},
    }


def main() -> None:
    manifest = load_manifest(ROOT / "datasets" / SLUG)
    settings = manifest.source
    assert isinstance(settings, SsbSettings) and settings.municipality is not None
    parts = []
    for i, query in enumerate(split(settings.selection, settings.max_cells)):
        body = json.dumps(answer(settings, query, settings.municipality), ensure_ascii=False, indent=2) + "\n"
        url = data_url(settings, query)
        parts.append(RawPart(f"{i + 1:03d}-data.json", body.encode(), url, "application/json", RECORDED))
    folder = ROOT / "datasets" / SLUG / "archive"
    shutil.rmtree(folder / "source", ignore_errors=True)
    raw = snapshot_of(parts, f"{settings.base_url.rstrip('/')}/tables/{settings.table}", None)
    stored = Archive(folder).store("source", raw, sample=True, note=NOTE)
    (folder / "source" / LOG_FILE).unlink()
    print(f"{SLUG}/source: {stored.snapshot_id}")


if __name__ == "__main__":
    main()
