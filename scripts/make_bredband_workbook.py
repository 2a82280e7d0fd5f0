"""Writes datasets/bredband/source/pts-tabellbilaga-hastighet-exempel.xlsx in PTS's real layout.

PTS's "tabellbilaga" (one workbook per theme, e.g. ``tabellbilaga-hastighet``) has one sheet
per level and unit ("Hastighet kommun hushåll"), each a long table with its header on row 1:
``Årtal``, ``Bas``, ``Aggregerat på``, ``Lännamn``, ``Kommunnamn``, ``Område`` ("total" and the
area types), ``Antal hushåll``, then one column per measure with shares as decimals 0 to 1.
That much is from public code that reads the real files (see docs/sources.md); the headers of
the three speed columns are our own wording, and a steward with PTS's file maps its headers in
the manifest's ``columns``.

The figures are SAMPLE DATA, made up to look plausible, except six cells in four rows of
Örnsköldsvik (2020 and 2021, whole municipality and rural), which carry what PTS's survey
showed as quoted in public releases; the manifest cites each of those rows (``citations``).
In those rows every other cell is empty. Run: .venv/bin/python scripts/make_bredband_workbook.py
"""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).resolve().parent.parent / "datasets/bredband/source/pts-tabellbilaga-hastighet-exempel.xlsx"
COUNTY = "Västernorrlands län"
MUNICIPALITIES = ["Härnösand", "Kramfors", "Sollefteå", "Sundsvall", "Timrå", "Ånge", "Örnsköldsvik"]
AREAS = ["total", "tätbyggt", "glesbygd"]
YEARS = range(2016, 2025)
MEASURES = [
    "Tillgång till minst 100 Mbit/s",
    "Tillgång till eller möjlighet att ansluta till minst 1 Gbit/s",
    "Ansluten till minst 1 Gbit/s",
]
# Published figures for Örnsköldsvik (shares): (year, area) -> {measure index: share}.
#  2020: 95 % of households could connect to fibre, 83 % in the sparsely populated areas
#        (Övik Energi via SSNF 2021-03-31; bredband.se). Fibre is what counts as ≥1 Gbit/s.
#  2021: over 75 % connected to fibre and 95 % able to connect; outside the urban areas 68 %
#        connected and 88 % able (Övik Energi's press release via TT; infrastrukturnyheter.se
#        2022-04-05).
PUBLISHED: dict[tuple[int, str], dict[int, float]] = {
    (2020, "total"): {1: 0.95},
    (2020, "glesbygd"): {1: 0.83},
    (2021, "total"): {1: 0.95, 2: 0.75},
    (2021, "glesbygd"): {1: 0.88, 2: 0.68},
}


def sample_shares(rng: random.Random, year: int, area: str, unit: str) -> list[float | None]:
    """Made-up shares that grow over the years, lower in the rural areas and for workplaces."""
    step = year - 2016
    base = min(0.99, 0.70 + 0.035 * step + rng.uniform(-0.02, 0.02))
    shift = {"total": 0.0, "tätbyggt": 0.05, "glesbygd": -0.17}[area] - (0.05 if unit == "arbetsställen" else 0)
    fast = max(0.0, min(0.995, base + shift))
    gig = None if year < 2019 else max(0.0, min(0.99, fast - 0.04 + rng.uniform(-0.01, 0.01)))
    connected = None if gig is None else round(gig * 0.8, 4)
    return [round(fast, 4), None if gig is None else round(gig, 4), connected]


def municipality_sheet(book: Workbook, unit: str, rng: random.Random) -> None:
    sheet = book.create_sheet(f"Hastighet kommun {unit}")
    sheet.append(["Årtal", "Bas", "Aggregerat på", "Lännamn", "Kommunnamn", "Område", f"Antal {unit}", *MEASURES])
    for year in YEARS:
        for name in MUNICIPALITIES:
            total = rng.randint(8000, 50000) if unit == "hushåll" else rng.randint(1500, 9000)
            for area in AREAS:
                count = {"total": total, "tätbyggt": int(total * 0.8), "glesbygd": total - int(total * 0.8)}[area]
                shares: list[float | None] = sample_shares(rng, year, area, unit)
                published = PUBLISHED.get((year, area)) if name == "Örnsköldsvik" and unit == "hushåll" else None
                if published is not None:  # only the published cells; the rest of the row stays empty
                    row = [year, unit.capitalize(), "Kommun", COUNTY, name, area, None]
                    sheet.append(row + [published.get(i) for i in range(len(MEASURES))])
                    continue
                sheet.append([year, unit.capitalize(), "Kommun", COUNTY, name, area, count, *shares])


def main() -> None:
    rng = random.Random(2284)  # the same workbook on every run
    book = Workbook()
    about = book.active
    about.title = "Om tabellbilagan"
    about["A1"] = "EXEMPEL – inte PTS:s fil. Uppställd som PTS tabellbilaga (hastighet), mobiltäcknings- och "
    about["A1"].value += "bredbandskartläggningen, läget den 1 oktober varje år."
    about["A2"] = (
        "Siffrorna är exempeldata utom Örnsköldsviks hushåll 2020 och 2021 (total och glesbygd): de är PTS "
        "resultat som de citerats i pressmeddelanden; källorna står i datamängdens dataset.yaml (citations)."
    )
    about["A3"] = "Andelar anges som decimaltal 0–1. Tom cell: uppgift saknas."
    county = book.create_sheet("Hastighet län hushåll")
    county.append(["Årtal", "Bas", "Aggregerat på", "Lännamn", "Område", "Antal hushåll", *MEASURES])
    for year in YEARS:
        for area in AREAS:
            county.append([year, "Hushåll", "Län", COUNTY, area, rng.randint(100000, 130000),
                           *sample_shares(rng, year, area, "hushåll")])  # fmt: skip
    municipality_sheet(book, "hushåll", rng)
    municipality_sheet(book, "arbetsställen", rng)
    book.properties.title = "Tabellbilaga hastighet (EXEMPEL)"
    book.properties.creator = "opendata pipeline (sample workbook, not PTS's file)"
    book.properties.created = book.properties.modified = datetime(2024, 11, 1)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    book.save(OUT)


if __name__ == "__main__":
    main()
