"""Statistics Norway (``type: ssb``): a table of SSB's statistics bank through PxWebApi v2.

One GET per query, ``{base}/tables/{table}/data?lang=no&outputFormat=json-stat2&valueCodes[Var]=a,b``,
answered in JSON-stat 2.0 (opendata.sources.jsonstat). SSB caps a query's cells and the
queries per minute; a selection larger than ``max_cells`` is split along its longest variable,
and queries are spaced by ``min_interval`` seconds. Retries, conditional requests and the raw
archive (so ``--replay``) are the network client's (opendata.sources.network), as for Kolada.

Municipality codes change with mergers (Moss: 0104 until 2019, 3002 in 2020–2023, 3103 from
2024). ``municipality`` names the region variable and each code's years; a cell is kept only
for the code valid in its year, and the ``municipality`` column gives every row today's code,
so the rows form one series (the original code stays in the region variable's column).

The table keeps SSB's names: one column per variable (its code) and ``<variable>_label``, then
``value`` and ``status``; the manifest's ``columns`` maps them to the schema.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from opendata.errors import SourceError
from opendata.sources.base import ParsedTable, RawPart, RawSnapshot, Source, text_table
from opendata.sources.http import json_text
from opendata.sources.jsonstat import cells, dimensions
from opendata.sources.network import HttpClient, load_json, snapshot_of
from opendata.sources.settings import MAX_CELLS as MAX_CELLS
from opendata.sources.settings import PXWEB_V2 as PXWEB_V2
from opendata.sources.settings import CodeYears as CodeYears
from opendata.sources.settings import Municipality as Municipality
from opendata.sources.settings import SsbSettings as SsbSettings


class SsbSource(Source[SsbSettings]):
    settings_model = SsbSettings
    needs_network = True

    def extract(self, settings: SsbSettings, base_dir: Path, previous: RawSnapshot | None = None) -> RawSnapshot:
        queries = split(settings.selection, settings.max_cells)
        if len(queries) > settings.max_queries:
            raise SourceError(
                f"table {settings.table}: the selection needs {len(queries)} queries of at most {settings.max_cells:,} "
                f"cells, more than max_queries ({settings.max_queries}); select fewer value codes"
            )
        parts: list[RawPart] = []
        with HttpClient(settings, previous) as client:
            for i, query in enumerate(queries):
                if i and settings.min_interval:
                    time.sleep(settings.min_interval)
                part, data = client.get_json(data_url(settings, query), f"{i + 1:03d}-data.json")
                dimensions(data, part.url)  # fail early on an answer of the wrong shape
                parts.append(part)
        return snapshot_of(parts, f"{settings.base_url.rstrip('/')}/tables/{settings.table}", previous)

    def parse(self, settings: SsbSettings, raw: RawSnapshot) -> ParsedTable:
        header: list[str] | None = None
        rows: list[tuple[tuple[str, ...], list[str]]] = []
        for part in raw.parts:
            data = load_json(part)
            dims = dimensions(data, part.url)
            names = [d.id for d in dims]
            labelled = [settings.labels is None or d.id in settings.labels for d in dims]
            part_header = [c for d, lab in zip(dims, labelled, strict=True) for c in (d.id, f"{d.id}_label")[: 1 + lab]]
            part_header += ["value", "status"]
            if settings.municipality:
                part_header = ["municipality", *part_header]
            if header is not None and part_header != header:
                raise SourceError(f"{part.url}: the answer's variables differ from the first answer's")
            header = part_header
            for cell in cells(data, part.url):
                keep, today = _today(settings, names, cell.codes, part.url)
                if not keep:
                    continue
                row = [
                    x for d, c, lab in zip(dims, cell.codes, labelled, strict=True) for x in (c, d.labels[c])[: 1 + lab]
                ]
                row += [json_text(cell.value), cell.status or ""]
                rows.append((_order(settings, names, cell.codes), [today, *row] if today else row))
        if not rows or header is None:
            raise SourceError(
                f"{raw.origin}: SSB answered no cells for table {settings.table} with this selection; check the "
                "variable and value codes against the table's metadata (/tables/{id}/metadata)"
            )
        rows.sort(key=lambda r: r[0])
        return ParsedTable(text_table(header, [r[1] for r in rows]), raw.origin, 1, "record")

    def metadata(self, settings: SsbSettings, raw: RawSnapshot) -> dict[str, Any]:
        """The table's title, its last update and each variable's labels, for the data dictionary."""
        data = load_json(raw.parts[0])
        dims = dimensions(data, raw.parts[0].url)
        variables = {d.id: {"label": d.label, "values": d.labels} for d in dims}
        found = {"table": settings.table, "label": data.get("label", ""), "variables": variables}
        for key in ("updated", "source"):
            if data.get(key):
                found[key] = data[key]
        return {"ssb": found}


def split(selection: dict[str, list[str]], max_cells: int) -> list[dict[str, list[str]]]:
    """Queries of at most ``max_cells`` cells each, splitting the longest variables first."""
    total = math.prod(len(v) for v in selection.values())
    if total <= max_cells:
        return [dict(selection)]
    var = max(selection, key=lambda k: len(selection[k]))
    codes = selection[var]
    if len(codes) == 1:
        raise SourceError(f"one query of this selection has {total:,} cells, more than max_cells ({max_cells:,})")
    rest = total // len(codes)
    per = max(1, max_cells // rest)
    if per == 1 and rest > max_cells:  # even one code of this variable is too many: split the others too
        return [q for code in codes for q in split({**selection, var: [code]}, max_cells)]
    return [{**selection, var: codes[i : i + per]} for i in range(0, len(codes), per)]


def data_url(settings: SsbSettings, query: dict[str, list[str]]) -> str:
    params = [f"lang={settings.lang}", "outputFormat=json-stat2"]
    params += [f"valueCodes[{quote(var)}]={','.join(quote(c) for c in codes)}" for var, codes in query.items()]
    return f"{settings.base_url.rstrip('/')}/tables/{settings.table}/data?" + "&".join(params)


def _today(settings: SsbSettings, names: list[str], codes: tuple[str, ...], where: str) -> tuple[bool, str | None]:
    """(keep the cell?, today's municipality code): a code outside its years is dropped; with no
    ``municipality`` setting every cell is kept, with no code."""
    spec = settings.municipality
    if spec is None:
        return True, None
    try:
        region, period = codes[names.index(spec.variable)], codes[names.index(spec.time)]
    except ValueError:
        raise SourceError(f"{where}: the answer has no variable '{spec.variable}' or '{spec.time}'") from None
    year = int(period[:4]) if period[:4].isdigit() else None
    span = next((c for c in spec.codes if c.code == region), None)
    if span is None or year is None or not span.covers(year):
        return False, None
    return True, spec.codes[0].code


def _order(settings: SsbSettings, names: list[str], codes: tuple[str, ...]) -> tuple[str, ...]:
    """Rows by time first when the time variable is known (one series per other variable)."""
    spec = settings.municipality
    if spec is None or spec.time not in names:
        return codes
    i = names.index(spec.time)
    return (codes[i], *codes[:i], *codes[i + 1 :])
