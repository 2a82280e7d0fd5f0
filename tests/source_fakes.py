"""Answers in each service's documented format, and the helpers the network-source tests share.

Kolada API v3: ``{"values": [{"kpi", "municipality", "period", "values": [{"gender", "value",
"count", "status", "isdeleted"}]}], "count", "next_url", "previous_url"}``; ``/kpi/{ids}``:
``{"values": [{"id", "title", "description", "auspice", "operating_area", "perspective",
"publication_date", "prel_publication_date", "publ_period", "has_ou_data",
"is_divided_by_gender", "municipality_type"}], "count", "next_url", "previous_url"}``.
Skolverket's Skolenhetsregistret v2: list ``{"meta", "data": {"type": "schoolunit",
"attributes": [{"schoolUnitCode", "name", "status"}]}}``, details ``{"meta", "links", "data":
{"type", "schoolUnitCode", "attributes": {"schoolName", "displayName", "status", "addresses":
[{"type": "BESOKSADRESS", ..., "geoCoordinates": {"latitude", "longitude", "coordinateSweRefE",
"coordinateSweRefN"}}], ...}}}``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

FAST = {"timeout": 0.5, "retries": 2, "backoff": 0, "retry_after_max": 2}  # retries without waiting


def kpi_meta(*ids: str) -> dict[str, Any]:
    return {
        "values": [
            {
                "id": i,
                "title": f"Titel för {i}, andel (%)",
                "description": f"Beskrivning av {i}.",
                "auspice": "E",
                "operating_area": "Test",
                "perspective": "Resurser",
                "publication_date": "2024-03-31",
                "prel_publication_date": None,
                "publ_period": "2023",
                "has_ou_data": False,
                "is_divided_by_gender": False,
                "municipality_type": "K",
            }
            for i in ids
        ],
        "count": len(ids),
        "next_url": None,
        "previous_url": None,
    }


def kolada_item(kpi: str, year: int, deleted: str = "", **by_gender: float | None) -> dict[str, Any]:
    """deleted: the genders whose value Kolada has withdrawn (``isdeleted: true``)."""
    values = [
        {"gender": g, "value": v, "count": 1, "status": "", "isdeleted": g in deleted}
        for g, v in (by_gender or {"T": 50.0}).items()
    ]
    return {"kpi": kpi, "municipality": "2284", "period": year, "values": values}


def kolada_page(items: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    """One v3 page: ``next_url``/``previous_url`` are null unless given."""
    return {"values": items, "count": len(items), "next_url": None, "previous_url": None, **more}


def school_list(*units: tuple[str, str, str]) -> dict[str, Any]:
    """units: (code, name, status)."""
    return {
        "meta": {"extractDate": "2026-11-25T06:00:00.00+01:00"},
        "data": {
            "type": "schoolunit",
            "attributes": [{"schoolUnitCode": c, "name": n, "status": s} for c, n, s in units],
        },
    }


def school_detail(
    code: str,
    name: str,
    street: str = "Skolgatan 1",
    lat: str = "63.29",
    lon: str = "18.71",
    display_name: str | None = None,
) -> dict[str, Any]:
    """name is the full ``schoolName``; display_name the short ``displayName`` (default: the same)."""
    return {
        "meta": {"extractDate": "2026-11-25T06:00:00.00+01:00", "created": "2015-01-01", "modified": "2024-01-01"},
        "links": {"href": f"https://api.skolverket.se/skolenhetsregistret/v2/school-units/{code}", "rel": "self"},
        "data": {
            "type": "schoolunit",
            "schoolUnitCode": code,
            "attributes": {
                "schoolName": name,
                "displayName": name if display_name is None else display_name,
                "status": "AKTIV",
                "addresses": [
                    {
                        "type": "BESOKSADRESS",
                        "streetAddress": street,
                        "postalCode": "891 33",
                        "locality": "Örnsköldsvik",
                        "geoCoordinates": {"latitude": lat, "longitude": lon},
                    },
                    {
                        "type": "POSTADRESS",
                        "streetAddress": "Box 1",
                        "postalCode": "891 88",
                        "locality": "Örnsköldsvik",
                    },
                ],
                "municipalityCode": "2284",
                "schoolTypes": ["GR"],
            },
        },
    }


@contextmanager
def silent_server() -> Iterator[str]:
    """A URL whose server accepts the connection and never answers (a timeout)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def closed_port_url() -> str:
    """A URL nothing listens on (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def record_retry_waits(monkeypatch: Any) -> list[float]:
    """Every wait urllib3 makes between attempts, recorded instead of slept.

    The tests then assert the wait asked for (Retry-After honoured, or capped) without
    reading the clock: no test depends on how fast the machine is.
    """
    from urllib3.util.retry import Retry

    waits: list[float] = []

    def sleep(self: Retry, response: Any = None) -> None:
        after = self.get_retry_after(response) if response is not None and self.respect_retry_after_header else None
        waits.append(after if after else self.get_backoff_time())

    monkeypatch.setattr(Retry, "sleep", sleep)
    return waits
