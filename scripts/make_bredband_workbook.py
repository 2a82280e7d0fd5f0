"""Writes datasets/bredband/source/pts-tabellbilaga-exempel.xlsx, laid out like PTS's "tabellbilaga".

Most figures are SAMPLE DATA, made up to look plausible; the rows marked as not sample carry
the only published figures we could find for Örnsköldsvik (PTS, October 2020, as quoted by
Övik Energi 2021-03-31 and webben7.se 2021-03-30): 95 % of households could connect to fast
broadband, 83 % in the sparsely populated areas. Replace the workbook with PTS's real file.
Run: .venv/bin/python scripts/make_bredband_workbook.py
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).resolve().parent.parent / "datasets/bredband/source/pts-tabellbilaga-exempel.xlsx"
REAL = "PTS bredbandskartläggning okt 2020, enligt Övik Energi 2021-03-31 och webben7.se 2021-03-30"
SAMPLE = "Exempeldata (inte uppmätt)"
AREAS = ["Hela kommunen", "Tätort och småort", "Landsbygd"]
# (year, area) -> households 100M, workplaces 100M, households 1G, workplaces 1G (percent)
FIGURES: dict[tuple[int, str], tuple[float | None, ...]] = {}
for i, year in enumerate(range(2016, 2025)):
    base = [71.2, 78.5, 84.1, 89.6, 95.0, 95.8, 96.5, 97.1, 97.6][i]
    gig = None if year < 2019 else [81.0, 86.4, 90.2, 92.7, 94.5, 95.9][year - 2019]
    FIGURES[(year, "Hela kommunen")] = (base, base - 6.3, gig, None if gig is None else gig - 7.1)
    FIGURES[(year, "Tätort och småort")] = (
        min(99.4, base + 4.8),
        min(98.9, base + 1.2),
        None if gig is None else min(99.0, gig + 5.5),
        None if gig is None else gig - 2.0,
    )
    FIGURES[(year, "Landsbygd")] = (
        base - 18.5,
        base - 24.0,
        None if gig is None else gig - 20.1,
        None if gig is None else gig - 27.4,
    )
# The published figures: households only; the other cells of those rows stay empty.
FIGURES[(2020, "Hela kommunen")] = (95.0, None, None, None)
FIGURES[(2020, "Landsbygd")] = (83.0, None, None, None)


def main() -> None:
    book = Workbook()
    info = book.active
    info.title = "Om tabellerna"
    info["A1"] = "Bredbandskartläggning, tabellbilaga (EXEMPEL)"
    info["A3"] = (
        "Tillgång till bredband om minst 100 Mbit/s och 1 Gbit/s, andel (%) av hushåll och arbetsställen, "
        "1 oktober varje år."
    )
    info["A4"] = "Exempeldata: bara raderna med Exempeldata = FALSKT är publicerade siffror (se kolumnen Källa)."
    sheet = book.create_sheet("Kommun")
    sheet["A1"] = "Tabell 1. Tillgång till bredband per områdestyp, Örnsköldsviks kommun (2284)"
    sheet["A2"] = "Andel (%) av hushåll och arbetsställen med tillgång till eller möjlighet att ansluta till bredbandet"
    sheet.append([])
    sheet.append(
        [
            "År",
            "Områdestyp",
            "Hushåll ≥100 Mbit/s",
            "Arbetsställen ≥100 Mbit/s",
            "Hushåll ≥1 Gbit/s",
            "Arbetsställen ≥1 Gbit/s",
            "Källa",
            "Exempeldata",
        ]
    )
    for (year, area), values in FIGURES.items():
        real = (year, area) in {(2020, "Hela kommunen"), (2020, "Landsbygd")}
        row = [
            year,
            area,
            *[None if v is None else round(v / 100, 4) for v in values],
            REAL if real else SAMPLE,
            not real,
        ]
        sheet.append(row)
        for cell in sheet[sheet.max_row][2:6]:
            cell.number_format = "0.0%"
    sheet.append([])
    sheet.append(["Källa: PTS mobiltäcknings- och bredbandskartläggning (exempel). Tomma celler: uppgift saknas."])
    county = book.create_sheet("Län")
    county["A1"] = "Tabell 2. Västernorrlands län (exempel, ej använd av pipelinen)"
    county.append([])
    county.append(["År", "Hushåll med möjlighet att ansluta till snabbt bredband (%)"])
    county.append([2019, 84.7])
    county.append([2020, 90.4])
    book.properties.creator = "opendata pipeline (sample workbook)"
    book.properties.created = book.properties.modified = datetime(2024, 11, 1)
    book.save(OUT)


if __name__ == "__main__":
    main()
