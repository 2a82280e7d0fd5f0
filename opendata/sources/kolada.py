"""Kolada key figures (``type: kolada``): municipal KPIs over the REST/JSON API v3.

``/data/kpi/{ids}/municipality/{id}/year/{years}`` answers one item per KPI and year with
a value per gender (T total, K women, M men; a value may be null). Each value also carries
``isdeleted``: a value Kolada has withdrawn is dropped, never published. Answers are paged
(``page``, ``per_page`` ≤ 5000): v3 names the next page ``next_url`` (and ``previous_url``);
``next_page``, which older clients saw, is still followed. KPI ids and years are sent in
batches (at most 25 of each per request). The KPI metadata (``/kpi/{ids}``: title,
description, operating area, perspective, publication dates...) becomes a ``kpi_title``
column and the source's metadata, for the data dictionary. Attribution ("Källa: Kolada")
belongs in the manifest.

The table keeps Kolada's own names (kpi, municipality, period, gender, value, count,
status); the manifest's ``columns`` maps them to the schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from opendata.errors import SourceError
from opendata.sources.base import ParsedTable, RawPart, RawSnapshot, Source, text_table
from opendata.sources.http import json_text
from opendata.sources.network import HttpClient, load_json, snapshot_of
from opendata.sources.settings import GENDERS as GENDERS
from opendata.sources.settings import KOLADA_V3 as KOLADA_V3
from opendata.sources.settings import MAX_BATCH as MAX_BATCH
from opendata.sources.settings import Gender as Gender
from opendata.sources.settings import KoladaSettings as KoladaSettings

COLUMNS = ["kpi", "kpi_title", "municipality", "period", "gender", "value", "count", "status"]
# The /kpi fields kept in the data dictionary besides id, title and description (v3 names;
# ``auspices`` is how some clients spell ``auspice``).
KPI_FIELDS = (
    "operating_area",
    "perspective",
    "auspice",
    "auspices",
    "municipality_type",
    "is_divided_by_gender",
    "has_ou_data",
    "publ_period",
    "publication_date",
    "prel_publication_date",
)


class KoladaSource(Source[KoladaSettings]):
    settings_model = KoladaSettings
    needs_network = True

    def extract(self, settings: KoladaSettings, base_dir: Path, previous: RawSnapshot | None = None) -> RawSnapshot:
        base = settings.base_url.rstrip("/")
        parts: list[RawPart] = []
        with HttpClient(settings, previous) as client:
            for ids in _batches(settings.kpis, settings.batch_size):
                parts += _pages(client, f"{base}/kpi/{','.join(ids)}", "kpi", len(parts), settings.max_pages)
                for years in _batches([str(y) for y in settings.years], settings.batch_size):
                    url = (
                        f"{base}/data/kpi/{','.join(ids)}/municipality/{settings.municipality}"
                        f"/year/{','.join(years)}?per_page={settings.per_page}"
                    )
                    parts += _pages(client, url, "data", len(parts), settings.max_pages)
        return snapshot_of(
            parts, f"{base}/data/kpi/{','.join(settings.kpis)}/municipality/{settings.municipality}", previous
        )

    def parse(self, settings: KoladaSettings, raw: RawSnapshot) -> ParsedTable:
        titles = {k["id"]: k for k in self._kpis(raw)}
        rows: list[tuple[tuple[Any, ...], list[str]]] = []
        order = {k: i for i, k in enumerate(settings.kpis)}
        for part in raw.parts:
            if _kind(part) != "data":
                continue
            for item in _values(load_json(part), part.url):
                kpi = str(item.get("kpi", ""))
                for v in item.get("values") or []:
                    gender = str(v.get("gender", ""))
                    if gender not in settings.genders or _deleted(v):
                        continue
                    key = (
                        order.get(kpi, len(order)),
                        kpi,
                        str(item.get("period", "")),
                        GENDERS.index(gender) if gender in GENDERS else 9,
                    )
                    title = str(titles.get(kpi, {}).get("title", ""))
                    cells = [kpi, title, str(item.get("municipality", "")), str(item.get("period", "")), gender]
                    cells += [json_text(v.get("value")), json_text(v.get("count")), json_text(v.get("status"))]
                    rows.append((key, cells))
        if not rows:
            raise SourceError(
                f"{raw.origin}: Kolada answered no values for KPI(s) {', '.join(settings.kpis)} in "
                f"{settings.municipality}, years {settings.years[0]}–{settings.years[-1]}; check the KPI ids "
                "and years at kolada.se (new figures are published some months after the year)"
            )
        rows.sort(key=lambda r: r[0])
        return ParsedTable(text_table(COLUMNS, [r[1] for r in rows]), raw.origin, 1, "record")

    def metadata(self, settings: KoladaSettings, raw: RawSnapshot) -> dict[str, Any]:
        """Each KPI's title and description as Kolada writes them, for the data dictionary."""
        wanted = set(settings.kpis)
        kpis = [
            {
                "id": k["id"],
                "title": k.get("title", ""),
                "description": " ".join(str(k.get("description", "")).split()),
                **{key: k[key] for key in KPI_FIELDS if k.get(key) not in (None, "")},
            }
            for k in self._kpis(raw)
            if k.get("id") in wanted
        ]
        kpis.sort(key=lambda k: settings.kpis.index(k["id"]))
        return {"kolada": {"municipality": settings.municipality, "kpis": kpis}}

    def _kpis(self, raw: RawSnapshot) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for part in raw.parts:
            if _kind(part) == "kpi":
                found += [k for k in _values(load_json(part), part.url) if isinstance(k.get("id"), str)]
        return found


def _pages(client: HttpClient, url: str, kind: str, start: int, max_pages: int) -> Iterator[RawPart]:
    """Every page of one request, following ``next_url`` (or ``next_page``)."""
    seen: set[str] = set()
    next_url: str | None = url
    while next_url:
        if next_url in seen or len(seen) >= max_pages:
            raise SourceError(f"{url}: the pages do not end (a next page repeats, or more than {max_pages})")
        seen.add(next_url)
        part, data = client.get_json(next_url, f"{start + len(seen):03d}-{kind}.json")
        _values(data, part.url)  # fail early on an answer of the wrong shape
        yield part
        next_url = _next(data, next_url)


def _next(data: dict[str, Any], url: str) -> str | None:
    """The next page: a URL (absolute or relative) or a page number, under either name."""
    target = data.get("next_url") or data.get("next_page")
    if target in (None, "", False):
        return None
    if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "page"] + [("page", str(target))]
        return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query, safe=","), ""))
    return urljoin(url, str(target))


def _deleted(value: dict[str, Any]) -> bool:
    """Kolada marks a withdrawn value ``isdeleted: true`` (some answers spell the flag as text)."""
    flag = value.get("isdeleted")
    return flag is True or (isinstance(flag, str) and flag.strip().lower() in ("true", "1")) or flag == 1


def _values(data: Any, url: str) -> list[dict[str, Any]]:
    values = data.get("values", data.get("results")) if isinstance(data, dict) else None
    if not isinstance(values, list):
        raise SourceError(f"{url}: expected Kolada's JSON with a list under 'values'; the answer has another shape")
    return [v for v in values if isinstance(v, dict)]


def _kind(part: RawPart) -> str:
    return part.name.rsplit("-", 1)[-1].removesuffix(".json")


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
