"""Writes the SAMPLE raw snapshots shipped in the repository, in each service's documented format.

- datasets/nyckeltal/archive/source/: Kolada API v3 answers (``/kpi/{ids}`` and
  ``/data/kpi/{ids}/municipality/2284/year/{years}``) with made-up values;
- datasets/skolor-wifi/archive/join-skolverket/: Skolenhetsregistret v2 answers (the list of
  Örnsköldsvik's school units and the details of each active one) for the made-up school
  units of the sample Wi-Fi inventory, with the names, addresses and coordinates that the
  inventory used to carry itself. The script also writes that inventory without them.

None of these are real responses: each snapshot.json says ``"sample": true`` and why, so a
replay of them is announced as a replay of a sample snapshot. Run:
    .venv/bin/python scripts/make_sample_snapshots.py
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opendata.archive import LOG_FILE, Archive
from opendata.sources.base import RawPart
from opendata.sources.network import snapshot_of

ROOT = Path(__file__).resolve().parent.parent
RECORDED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
KOLADA = "https://api.kolada.se/v3"
SKOLVERKET = "https://api.skolverket.se/skolenhetsregistret"
NOTE = "SAMPLE: written by scripts/make_sample_snapshots.py in the service's documented format; not a real response"

KPIS = {  # id: (title, genders, values 2019..2023 for T[, K, M])
    "N07900": ("Tillgång till fast bredband om minst 100 Mbit/s, andel (%)", "T", [89.6, 95.0, 95.8, 96.5, 97.1]),
    "N07918": (
        "Hushåll med tillgång till eller möjlighet att ansluta till bredband om minst 1 Gbit/s, andel (%)",
        "T",
        [81.0, 86.4, 90.2, 92.7, 94.5],
    ),
    "N15814": (
        "Lärare med lärarlegitimation och behörighet i grundskola åk 1-9, kommunala skolor, andel (%)",
        "T",
        [78.2, 77.5, 79.1, 80.4, None],
    ),
    "N15504": (
        "Elever i åk 9, meritvärde lägeskommun, genomsnitt (17 ämnen)",
        "TKM",
        [
            [221.4, 236.0, 207.9],
            [224.8, 240.2, 210.1],
            [226.3, 241.7, 211.4],
            [223.1, 238.9, 208.0],
            [225.6, 239.5, 212.3],
        ],
    ),
    "U07431": ("U. Informationsindex för kommunens webbplats - Bygga och bo", "T", [84.0, 88.0, None, None, None]),
}
YEARS = [2019, 2020, 2021, 2022, 2023]

# code: (name, school type code, street, postal code, locality, latitude, longitude, status)
UNITS = {
    "90012841": ("Exempelskolan Centrum", "GR", "Skolgatan 1", "891 33", "Örnsköldsvik", "63.2909", "18.7153"),
    "90012842": ("Exempelskolan Gullänget", "GR", "Gulängsvägen 12", "891 41", "Örnsköldsvik", "63.2768", "18.6921"),
    "90012843": ("Exempelskolan Själevad", "GR", "Själevadsvägen 5", "894 35", "Själevad", "63.2952", "18.6100"),
    "90012844": ("Exempelskolan Bjästa", "GR", "Skolvägen 3", "893 30", "Bjästa", "63.2003", "18.5036"),
    "90012845": ("Exempelskolan Husum", "GR", "Centrumvägen 8", "896 31", "Husum", "63.3393", "19.1560"),
    "90012846": ("Exempelskolan Bredbyn", "GR", "Skolbacken 2", "895 30", "Bredbyn", "63.4480", "18.1041"),
    "90012847": ("Exempelskolan Domsjö", "FKLASS", "Domsjövägen 40", "891 86", "Domsjö", "63.2625", "18.7330"),
    "90012848": ("Exempelskolan Köpmanholmen", "GR", "Hamnvägen 4", "893 40", "Köpmanholmen", "63.1712", "18.5678"),
    "90012849": ("Exempelgymnasiet Parkskolan", "GY", "Parkgatan 10", "891 34", "Örnsköldsvik", "63.2921", "18.7181"),
    "90012850": ("Exempelskolan Anundsjö", "GRAN", "Kyrkvägen 6", "895 31", "Bredbyn", "63.4461", "18.1102"),
}
CLOSED = {
    "90012839": ("Exempelskolan Gamla Kyrkskolan", "UPPHORT"),
    "90012851": ("Exempelskolan Nya Torget", "PLANERAD"),
}

WIFI_HEADER = "Skolenhetskod;Skolform;Wifi-status;Antal accesspunkter;Senaste inventering;Kommentar"
WIFI = [  # code, school form, status, access points, survey date, comment (values as before, sample)
    ("90012841", "Grundskola", "väldimensionerat", "46", "2024-09-12", "Nytt nät 2022"),
    ("90012842", "Grundskola", "väldimensionerat", "38", "2024-09-13", ""),
    ("90012843", "Grundskola", "delvis utbyggt", "21", "2024-08-29", "Idrottshallen saknar täckning"),
    ("90012844", "Grundskola", "väldimensionerat", "30", "2024-10-02", ""),
    ("90012845", "Grundskola", "otillräckligt", "9", "2024-05-20", "Utbyggnad planerad 2025"),
    ("90012846", "Grundskola", "delvis utbyggt", "12", "2024-06-11", ""),
    ("90012847", "Förskoleklass", "väldimensionerat", "8", "2024-09-30", ""),
    ("90012848", "Grundskola", "saknas", "0", "2023-11-15", '"Endast trådbundet nät; åtgärd beslutad"'),
    ("90012849", "Gymnasieskola", "väldimensionerat", "112", "2024-09-05", "Förtätat 2024"),
    ("90012850", "Anpassad grundskola", "väldimensionerat", "14", "2024-09-18", ""),
]


def answer(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def part(name: str, url: str, data: Any) -> RawPart:
    return RawPart(name, answer(data), url, "application/json", RECORDED)


def kolada_parts() -> list[RawPart]:
    ids = ",".join(KPIS)
    meta = {  # every field of v3's /kpi answer; unknown values null (this is sample data, not Kolada's answer)
        "values": [
            {
                "id": kpi,
                "title": title,
                "description": f"EXEMPEL: Koladas definition hämtas från {KOLADA}/kpi/{kpi} vid en riktig körning.",
                "auspice": None,
                "operating_area": None,
                "perspective": None,
                "publication_date": None,
                "prel_publication_date": None,
                "publ_period": None,
                "has_ou_data": False,
                "is_divided_by_gender": len(genders) > 1,
                "municipality_type": "K",
            }
            for kpi, (title, genders, _) in KPIS.items()
        ],
        "count": len(KPIS),
        "next_url": None,
        "previous_url": None,
    }
    values = []
    for kpi, (_, genders, series) in KPIS.items():
        for year, value in zip(YEARS, series, strict=True):
            numbers = value if isinstance(value, list) else [value]
            values.append(
                {
                    "kpi": kpi,
                    "municipality": "2284",
                    "period": year,
                    "values": [
                        {"gender": g, "value": v, "count": 1, "status": "", "isdeleted": False}
                        for g, v in zip(genders, numbers, strict=True)
                    ],
                }
            )
    data_url = f"{KOLADA}/data/kpi/{ids}/municipality/2284/year/{','.join(map(str, YEARS))}?per_page=5000"
    return [
        part("001-kpi.json", f"{KOLADA}/kpi/{ids}", meta),
        part(
            "002-data.json", data_url, {"values": values, "count": len(values), "next_url": None, "previous_url": None}
        ),
    ]


def skolverket_parts() -> list[RawPart]:
    meta = {"extractDate": "2026-11-25T06:00:00.00+01:00"}
    listing = [{"schoolUnitCode": c, "name": u[0], "status": "AKTIV"} for c, u in UNITS.items()]
    listing += [{"schoolUnitCode": c, "name": n, "status": s} for c, (n, s) in CLOSED.items()]
    listing.sort(key=lambda u: u["schoolUnitCode"])
    parts = [
        part(
            "000-school-units.json",
            f"{SKOLVERKET}/v2/school-units?municipality_code=2284",
            {"meta": meta, "data": {"type": "schoolunit", "attributes": listing}},
        )
    ]
    for code, (name, school_type, street, postal, locality, lat, lon) in sorted(UNITS.items()):
        url = f"{SKOLVERKET}/v2/school-units/{code}"
        visiting = {
            "type": "BESOKSADRESS",
            "streetAddress": street,
            "postalCode": postal,
            "locality": locality,
            "geoCoordinates": {"coordinateSweRefN": None, "coordinateSweRefE": None, "latitude": lat, "longitude": lon},
        }
        attributes = {
            "displayName": name.removeprefix("Exempelskolan ").removeprefix("Exempelgymnasiet "),  # the short name
            "status": "AKTIV",
            "url": None,
            "email": None,
            "phoneNumber": None,
            "headMaster": None,
            "addresses": [
                visiting,
                {"type": "POSTADRESS", "streetAddress": "Box 1", "postalCode": "891 88", "locality": "Örnsköldsvik"},
            ],
            "orientationType": "ALLMAN",
            "schoolUnitType": "SKOLENHET",
            "schoolName": name,  # the full name, which the source takes
            "municipalityCode": "2284",
            "schoolTypes": [school_type],
        }
        detail = {
            "meta": {**meta, "created": "2015-01-01", "modified": "2024-08-01"},
            "links": {"href": url, "rel": "self", "method": "GET"},
            "data": {"type": "schoolunit", "schoolUnitCode": code, "attributes": attributes},
        }
        parts.append(part(f"unit-{code}.json", url, detail))
    return parts


def ship(slug: str, unit: str, origin: str, parts: list[RawPart]) -> None:
    """Archive the parts as the source's fetch would (same origin), marked as sample."""
    folder = ROOT / "datasets" / slug / "archive"
    shutil.rmtree(folder / unit, ignore_errors=True)
    raw = snapshot_of(parts, origin, None)
    stored = Archive(folder).store(unit, raw, sample=True, note=NOTE)
    (folder / unit / LOG_FILE).unlink()
    print(f"{slug}/{unit}: {stored.snapshot_id}")


def write_wifi_inventory() -> None:
    lines = [WIFI_HEADER, *(";".join(row) for row in WIFI)]
    path = ROOT / "datasets/skolor-wifi/source/wifi-inventering.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("windows-1252"))


if __name__ == "__main__":
    ship("nyckeltal", "source", f"{KOLADA}/data/kpi/{','.join(KPIS)}/municipality/2284", kolada_parts())
    ship("skolor-wifi", "join-skolverket", f"{SKOLVERKET}/v2/school-units?municipality_code=2284", skolverket_parts())
    write_wifi_inventory()
