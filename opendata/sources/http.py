"""Any file by URL (``type: http``): CSV, an Excel workbook or JSON records.

The bytes are read over HTTP(S) with the shared client (timeouts, retries, ETag, size
limit) and then parsed exactly like a steward's file of the same format, so a CSV on a web
server and a CSV in ``source/`` follow the same rules. JSON is a list of records (objects),
at the top level or at a dotted path (``records: data.items``); a paginated JSON API that
sends an RFC 8288 ``Link: <...>; rel="next"`` header is followed page by page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from opendata.errors import SourceError
from opendata.sources.base import ParsedTable, RawPart, RawSnapshot, Source, text_table
from opendata.sources.csv_file import parse_with_dialect
from opendata.sources.excel import ExcelSettings, ExcelSource, cell_text
from opendata.sources.network import HttpClient, load_json, safe_url, snapshot_of
from opendata.sources.settings import HttpSettings as HttpSettings
from opendata.sources.text import check_header

ACCEPT = {
    "csv": "text/csv, text/plain;q=0.8, */*;q=0.5",
    "excel": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, */*;q=0.5",
    "json": "application/json",
}


class HttpSource(Source[HttpSettings]):
    settings_model = HttpSettings
    needs_network = True

    def extract(self, settings: HttpSettings, base_dir: Path, previous: RawSnapshot | None = None) -> RawSnapshot:
        origin = safe_url(settings.url)
        parts: list[RawPart] = []
        url: str | None = settings.url
        with HttpClient(settings, previous) as client:
            while url and len(parts) < settings.max_pages:
                part = client.get(url, f"{len(parts) + 1:03d}-{settings.format}", ACCEPT[settings.format])
                parts.append(part)
                url = part.links.get("next") if settings.format == "json" else None
        if url:
            raise SourceError(
                f"{origin}: more than max_pages ({settings.max_pages}) pages; raise max_pages if that is expected"
            )
        return snapshot_of(parts, origin, previous)

    def parse(self, settings: HttpSettings, raw: RawSnapshot) -> ParsedTable:
        parts = raw.parts or (RawPart("001", raw.content, raw.origin, raw.media_type),)
        if not any(p.content for p in parts):
            raise SourceError(f"{raw.origin}: the answer is empty")
        if settings.format == "csv":
            return parse_with_dialect(settings, raw)
        if settings.format == "excel":
            excel = ExcelSettings(
                type="excel", path=raw.origin, sheet=settings.sheet or "", header_row=settings.header_row
            )
            return ExcelSource().parse(excel, raw)
        records: list[dict[str, Any]] = []
        for part in parts:
            records.extend(_records(load_json(part), settings.records, part.url))
        return records_table(records, raw.origin)


def records_table(records: list[dict[str, Any]], origin: str) -> ParsedTable:
    """JSON records as a text table; the header is every key, in order of first appearance."""
    header: list[str] = []
    for record in records:
        header.extend(k for k in record if k not in header)
    if records:
        check_header(header, origin, 1)
    rows = [[json_text(record.get(name)) for name in header] for record in records]
    return ParsedTable(text_table(header, rows), origin, 1, "record")


def json_text(value: Any) -> str:
    """A JSON value as a cell: null empty, numbers as written, objects as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return cell_text(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _records(data: Any, path: str | None, url: str) -> list[dict[str, Any]]:
    for key in path.split(".") if path else []:
        if not isinstance(data, dict) or key not in data:
            raise SourceError(f"{url}: the JSON has no '{key}' on the path records: {path}")
        data = data[key]
    if not isinstance(data, list):
        where = f"at records: {path}" if path else "at the top level"
        raise SourceError(
            f"{url}: expected a list of records {where}, found {type(data).__name__}; set 'records' to its path"
        )
    bad = next((i for i, r in enumerate(data) if not isinstance(r, dict)), None)
    if bad is not None:
        raise SourceError(f"{url}: record {bad + 1} is not an object with named values")
    return data
