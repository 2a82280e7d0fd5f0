"""Skolverket's school unit register (``type: skolverket``, Skolenhetsregistret API v2).

``/v2/school-units?municipality_code=2284`` lists the municipality's school units (code,
name, status AKTIV/UPPHORT/VILANDE/PLANERAD); ``/v2/school-units/{code}`` has the details,
among them the visiting address (``BESOKSADRESS``) with WGS84 ``geoCoordinates``. Details
are fetched for units whose status is in ``details_for`` (AKTIV by default): closed units
need no address. Preschools are not in the register. The name is the detail's ``schoolName``
(the full name) rather than ``displayName`` (the short one), else the list's ``name``.

The table has one row per listed unit. It is a source of its own, and a lookup that a
dataset joins to (see ``opendata.join``): the school Wi-Fi inventory takes names,
addresses and coordinates from here, so they are the official ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opendata.errors import SourceError
from opendata.sources.base import ParsedTable, RawSnapshot, Source, text_table
from opendata.sources.http import json_text
from opendata.sources.network import HttpClient, load_json, snapshot_of
from opendata.sources.settings import SKOLVERKET as SKOLVERKET
from opendata.sources.settings import SkolverketSettings as SkolverketSettings
from opendata.sources.settings import Status as Status

STATUSES = ("AKTIV", "UPPHORT", "VILANDE", "PLANERAD")
COLUMNS = [
    "school_unit_code",
    "name",
    "status",
    "school_types",
    "street_address",
    "postal_code",
    "locality",
    "visiting_address",
    "latitude",
    "longitude",
    "municipality_code",
]


class SkolverketSource(Source[SkolverketSettings]):
    settings_model = SkolverketSettings
    needs_network = True

    def extract(self, settings: SkolverketSettings, base_dir: Path, previous: RawSnapshot | None = None) -> RawSnapshot:
        base = settings.base_url.rstrip("/")
        list_url = f"{base}/v2/school-units?municipality_code={settings.municipality_code}"
        with HttpClient(settings, previous) as client:
            listing, data = client.get_json(list_url, "000-school-units.json")
            units = _units(data, listing.url)
            if not units:
                raise SourceError(
                    f"{listing.url}: the register lists no school units for municipality "
                    f"{settings.municipality_code}; check municipality_code"
                )
            parts = [listing]
            wanted = [u["schoolUnitCode"] for u in units if u.get("status") in settings.details_for]
            for code in sorted(wanted):
                part, detail = client.get_json(f"{base}/v2/school-units/{code}", f"unit-{code}.json")
                _detail(detail, part.url)
                parts.append(part)
        return snapshot_of(parts, listing.url, previous)

    def parse(self, settings: SkolverketSettings, raw: RawSnapshot) -> ParsedTable:
        parts = list(raw.parts)
        if not parts:
            raise SourceError(f"{raw.origin}: the snapshot holds no answers from the register")
        units = _units(load_json(parts[0]), parts[0].url)
        details = {}
        for part in parts[1:]:
            detail = _detail(load_json(part), part.url)
            details[str(detail.get("schoolUnitCode", part.name[5:-5]))] = detail.get("attributes") or {}
        rows = [_row(unit, details.get(str(unit.get("schoolUnitCode")), {})) for unit in units]
        rows.sort(key=lambda r: r[0])
        return ParsedTable(text_table(COLUMNS, rows), raw.origin, 1, "record")


def _row(unit: dict[str, Any], info: dict[str, Any]) -> list[str]:
    addresses: list[dict[str, Any]] = [a for a in info.get("addresses") or [] if isinstance(a, dict)]
    visiting: dict[str, Any] = next((a for a in addresses if a.get("type") == "BESOKSADRESS"), {})
    geo = visiting.get("geoCoordinates") or {}
    street, postal, locality = (str(visiting.get(k) or "").strip() for k in ("streetAddress", "postalCode", "locality"))
    town = " ".join(x for x in (postal, locality) if x)
    return [
        str(unit.get("schoolUnitCode", "")),
        _name(unit, info),
        str(info.get("status") or unit.get("status") or ""),
        ",".join(str(t) for t in info.get("schoolTypes") or []),
        street,
        postal,
        locality,
        ", ".join(x for x in (street, town) if x),
        json_text(geo.get("latitude")).replace(",", "."),
        json_text(geo.get("longitude")).replace(",", "."),
        str(info.get("municipalityCode") or ""),
    ]


def _name(unit: dict[str, Any], info: dict[str, Any]) -> str:
    """The full name: v2's ``schoolName``; ``displayName`` is the short one, the list's ``name`` the last resort."""
    for name in (info.get("schoolName"), info.get("displayName"), unit.get("name")):
        if isinstance(name, str) and name.strip():
            return name.strip()
    return ""


def _units(data: Any, url: str) -> list[dict[str, Any]]:
    attributes = data.get("data", {}).get("attributes") if isinstance(data, dict) else None
    if not isinstance(attributes, list):
        raise SourceError(f"{url}: expected the register's JSON with data.attributes as a list of school units")
    units = [u for u in attributes if isinstance(u, dict) and u.get("schoolUnitCode")]
    if any(u.get("status") not in STATUSES for u in units):
        odd = sorted({str(u.get("status")) for u in units} - set(STATUSES))
        raise SourceError(f"{url}: unknown school unit status {', '.join(odd)}; expected {', '.join(STATUSES)}")
    return units


def _detail(data: Any, url: str) -> dict[str, Any]:
    detail = data.get("data") if isinstance(data, dict) else None
    if not isinstance(detail, dict) or not isinstance(detail.get("attributes"), dict):
        raise SourceError(f"{url}: expected the register's JSON with data.attributes describing one school unit")
    return detail
