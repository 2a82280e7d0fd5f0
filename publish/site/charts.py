"""A manifest's ``charts:`` as Vega-Lite, rendered to SVG at build time, with a table as its text.

vl-convert renders Vega-Lite without a browser or network, so the pages carry finished SVG
files and no charting JavaScript. Each chart also yields the table of the numbers it draws:
the text alternative a screen reader (or a person copying figures) uses.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vl_convert

from opendata.charts import ChartSpec
from opendata.errors import ManifestError
from publish.site.i18n import UI, number, ui_lang

PALETTE = ["#0b5394", "#b45f06", "#38761d", "#741b47", "#134f5c", "#7f6000"]  # >= 4.5:1 on white
STATUS_COLORS = {  # ordered from good to bad where a field's enum reads that way
    "väldimensionerat": "#1b5e20",
    "delvis utbyggt": "#8a6d00",
    "otillräckligt": "#b34700",
    "saknas": "#a50e0e",
}
WIDTH, HEIGHT = 560, 280
GEO = Path(__file__).parent / "geo"


@dataclass(frozen=True)
class RenderedChart:
    title: str
    svg: str
    alt: str
    headers: list[str]
    rows: list[list[str]]
    note: str | None = None


# What a chart builder returns: Vega-Lite spec, table headers, table rows, alt text, note.
Drawn = tuple[dict[str, Any], list[str], list[list[str]], str, str | None]


def render(
    spec: ChartSpec,
    rows: list[dict[str, Any]],
    fields: dict[str, dict[str, Any]],
    lang: str,
    cache: Path | None = None,
) -> RenderedChart:
    """One chart: its SVG and its table. ``rows`` are the whole table as Python values.

    ``cache``: a folder of SVGs keyed by their Vega-Lite spec's hash. vl-convert takes about a
    third of a second a chart, and every publish rewrites the whole site, so an unchanged
    chart is read back instead of drawn again.
    """
    title = spec.title.get(lang) or spec.title.get("en") or next(iter(spec.title.values()))
    kept = [r for r in rows if all(r.get(k) == v for k, v in spec.where.items())]

    def label(name: str) -> str:
        return str(fields[name].get("title") or name)

    builder = {"line": _line, "bar": _bar, "point": _panels, "map": _map}[spec.kind]
    vega, headers, table, alt, note = builder(spec, kept, fields, label, lang)
    vega = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "config": {
            "font": "sans-serif",
            "aria": False,
            "background": "white",
            "axis": {"labelColor": "#222", "titleColor": "#222", "labelFontSize": 12, "titleFontSize": 12},
            "legend": {"labelColor": "#222", "titleColor": "#222", "labelFontSize": 12, "labelLimit": 320},
            "view": {"stroke": None},
        },
        **vega,
    }
    svg = _svg(vega, cache)
    return RenderedChart(title, svg, f"{title}. {alt}", headers, table, note)


def _svg(vega: dict[str, Any], cache: Path | None) -> str:
    if cache is None:
        return str(vl_convert.vegalite_to_svg(vega))
    key = hashlib.sha256(json.dumps(vega, sort_keys=True, default=str).encode()).hexdigest()
    path = cache / f"{key}.svg"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    svg = str(vl_convert.vegalite_to_svg(vega))
    cache.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(svg, encoding="utf-8")
    partial.replace(path)  # whole or absent: parallel runs may share the cache
    return svg


def _x_type(spec: ChartSpec, fields: dict[str, dict[str, Any]]) -> str:
    return "temporal" if fields[spec.x or ""].get("type") in ("date", "datetime") else "ordinal"


def _line(
    spec: ChartSpec, rows: list[dict[str, Any]], fields: dict[str, dict[str, Any]], label: Any, lang: str
) -> Drawn:
    x = spec.x or ""
    series = [label(y) for y in spec.y]
    values = [{"x": r[x], "series": label(y), "value": r[y]} for r in rows for y in spec.y if r.get(y) is not None]
    y_scale: dict[str, Any] = {"domain": [0, spec.y_max]} if spec.y_max is not None else {"zero": True}
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "line", "point": {"filled": True, "size": 60}, "strokeWidth": 2.5},
            "encoding": {
                "x": {"field": "x", "type": _x_type(spec, fields), "title": label(x), "axis": {"labelAngle": 0}},
                "y": {"field": "value", "type": "quantitative", "title": None, "scale": y_scale},
                "color": {
                    "field": "series",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": series, "range": PALETTE[: len(series)]},
                    "legend": {"orient": "bottom", "direction": "vertical"},
                },
                "shape": {"field": "series", "type": "nominal", "legend": None},
            },
        }
    ]
    goals = [{"value": g.value, "text": g.label.get(lang) or g.label.get("en") or ""} for g in spec.goals]
    if goals:
        layers += [
            {
                "data": {"values": goals},
                "mark": {"type": "rule", "strokeDash": [6, 4], "color": "#444", "strokeWidth": 1.5},
                "encoding": {"y": {"field": "value", "type": "quantitative"}},
            },
            {
                "data": {"values": goals},
                "mark": {"type": "text", "align": "left", "dx": 4, "dy": -7, "color": "#222", "fontSize": 12},
                "encoding": {
                    "y": {"field": "value", "type": "quantitative"},
                    "x": {"value": 0},
                    "text": {"field": "text"},
                },
            },
        ]
    vega = {"width": WIDTH, "height": HEIGHT, "data": {"values": values}, "layer": layers}
    headers = [label(x), *series, *(g["text"] for g in goals)]
    table = [
        [_fmt(r[x], lang), *(_fmt(r.get(y), lang) for y in spec.y), *(_fmt(g["value"], lang) for g in goals)]
        for r in rows
    ]
    alt = UI[ui_lang(lang)]["chart_table"]
    return vega, headers, table, alt, None


def _bar(
    spec: ChartSpec, rows: list[dict[str, Any]], fields: dict[str, dict[str, Any]], label: Any, lang: str
) -> Drawn:
    x, color = spec.x or "", spec.color
    counts = Counter((r[x], r[color] if color else "") for r in rows)
    xs = sorted({k[0] for k in counts})
    colors = _ordered(fields, color, {k[1] for k in counts}) if color else [""]
    values = [{"x": a, "c": b, "n": n} for (a, b), n in sorted(counts.items())]
    count_word = UI[ui_lang(lang)]["count"]
    encoding: dict[str, Any] = {
        "x": {"field": "x", "type": "ordinal", "title": label(x), "sort": xs, "axis": {"labelAngle": 0}},
        "y": {"field": "n", "type": "quantitative", "title": count_word, "axis": {"tickMinStep": 1}},
    }
    if color:
        encoding["color"] = {
            "field": "c",
            "type": "nominal",
            "title": label(color),
            "scale": {"domain": colors, "range": [STATUS_COLORS.get(c, PALETTE[i % 6]) for i, c in enumerate(colors)]},
            "legend": {"orient": "bottom"},
        }
        encoding["order"] = {"field": "c"}
    vega = {
        "width": WIDTH,
        "height": HEIGHT,
        "data": {"values": values},
        "mark": {"type": "bar", "stroke": "white", "strokeWidth": 1},
        "encoding": encoding,
    }
    headers = [label(x), *(colors if color else [count_word])]
    table = [[_fmt(a, lang), *(number(counts.get((a, c), 0), lang) for c in colors)] for a in xs]
    return vega, headers, table, UI[ui_lang(lang)]["chart_table"], None


def _panels(
    spec: ChartSpec, rows: list[dict[str, Any]], fields: dict[str, dict[str, Any]], label: Any, lang: str
) -> Drawn:
    x, y, facet = spec.x or "", spec.y[0], spec.facet
    values = [{"x": r[x], "y": r[y], "f": r[facet] if facet else ""} for r in rows if r.get(y) is not None]
    inner = {
        "width": WIDTH,
        "height": 110,
        "mark": {"type": "line", "point": {"filled": True, "size": 50}, "color": PALETTE[0], "strokeWidth": 2},
        "encoding": {
            "x": {"field": "x", "type": _x_type(spec, fields), "title": label(x), "axis": {"labelAngle": 0}},
            "y": {"field": "y", "type": "quantitative", "title": label(y), "scale": {"zero": False}},
        },
    }
    if facet:
        vega: dict[str, Any] = {
            "data": {"values": values},
            "facet": {
                "field": "f",
                "type": "nominal",
                "title": None,
                "header": {"labelLimit": 560, "labelFontSize": 12},
            },
            "columns": 1,
            "spec": inner,
            "resolve": {"scale": {"y": "independent"}},
        }
    else:
        vega = {"data": {"values": values}, **inner}
    headers = [label(facet)] if facet else []
    headers += [label(x), label(y)]
    table = [([str(v["f"])] if facet else []) + [_fmt(v["x"], lang), _fmt(v["y"], lang)] for v in values]
    return vega, headers, table, UI[ui_lang(lang)]["chart_table"], None


def _map(
    spec: ChartSpec, rows: list[dict[str, Any]], fields: dict[str, dict[str, Any]], label: Any, lang: str
) -> Drawn:
    lat, lon, color, name = spec.latitude or "", spec.longitude or "", spec.color, spec.label
    points = [r for r in rows if r.get(lat) is not None and r.get(lon) is not None]
    lats, lons = [float(r[lat]) for r in points], [float(r[lon]) for r in points]
    pad_lat, pad_lon = max(0.1, (max(lats) - min(lats)) * 0.15), max(0.2, (max(lons) - min(lons)) * 0.15)
    west, east = round(min(lons) - pad_lon, 1), round(max(lons) + pad_lon, 1)
    south, north = round(min(lats) - pad_lat, 1), round(max(lats) + pad_lat, 1)
    frame = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            # clockwise: d3-geo reads a counter-clockwise ring as the whole globe minus the box
            "coordinates": [[[west, south], [west, north], [east, north], [east, south], [west, south]]],
        },
        "properties": {},
    }
    values = [
        {"lat": r[lat], "lon": r[lon], "c": r[color] if color else "", "n": r[name] if name else ""} for r in points
    ]
    colors = _ordered(fields, color, {v["c"] for v in values}) if color else [""]
    projection = {"type": "mercator", "fit": frame}
    point_encoding: dict[str, Any] = {
        "latitude": {"field": "lat", "type": "quantitative"},
        "longitude": {"field": "lon", "type": "quantitative"},
    }
    if color:
        point_encoding["color"] = {
            "field": "c",
            "type": "nominal",
            "title": label(color),
            "scale": {"domain": colors, "range": [STATUS_COLORS.get(c, PALETTE[i % 6]) for i, c in enumerate(colors)]},
            "legend": {"orient": "bottom"},
        }
        point_encoding["shape"] = {"field": "c", "type": "nominal", "scale": {"domain": colors}, "legend": None}
    layers: list[dict[str, Any]] = [
        {"data": {"values": [frame]}, "mark": {"type": "geoshape", "fill": "#dfe9f2", "stroke": "#555"}},
    ]
    if spec.basemap:
        land = basemap(spec.basemap)
        layers.append({"data": {"values": [land]}, "mark": {"type": "geoshape", "fill": "#f7f5ef", "stroke": "#8a8a8a",
                                                             "strokeWidth": 0.8, "clip": True}})  # fmt: skip
    vega = {
        "width": WIDTH,
        "height": _mercator_height(west, east, south, north),  # the frame fills the view
        "projection": projection,
        "layer": [
            *layers,
            {
                "data": {"graticule": {"extent": [[west, south], [east, north]], "step": [0.25, 0.1]}},
                "mark": {"type": "geoshape", "filled": False, "stroke": "#c8ccd0", "strokeWidth": 0.6},
            },
            {
                "data": {"values": values},
                "mark": {
                    "type": "point",
                    "filled": True,
                    "size": 90,
                    "stroke": "white",
                    "strokeWidth": 1,
                    "opacity": 1,
                },
                "encoding": point_encoding,
            },
        ],
    }
    headers = [label(name)] if name else []
    headers += ([label(color)] if color else []) + [label(lat), label(lon)]
    table = [
        ([str(v["n"])] if name else [])
        + ([str(v["c"])] if color else [])
        + [_fmt(v["lat"], lang), _fmt(v["lon"], lang)]
        for v in values
    ]
    ui = UI[ui_lang(lang)]
    note = ui["map_note_land"] if spec.basemap else ui["map_note"]
    note += f" ({number(south, lang)}–{number(north, lang)} N, {number(west, lang)}–{number(east, lang)} E)"
    return vega, headers, table, UI[ui_lang(lang)]["chart_table"], note


def _mercator_height(west: float, east: float, south: float, north: float) -> int:
    def y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    return round(WIDTH * (y(north) - y(south)) / math.radians(east - west))


def basemap(name: str) -> dict[str, Any]:
    """A GeoJSON feature shipped with the site; its properties say where it comes from."""
    path = GEO / f"{name}.geojson"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in GEO.glob("*.geojson")))
        raise ManifestError(f"charts: basemap '{name}' is not in publish/site/geo/; use one of {known}")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _ordered(fields: dict[str, dict[str, Any]], name: str | None, present: set[Any]) -> list[Any]:
    """A field's values in the order its schema's enum lists them (else sorted)."""
    enum = fields.get(name or "", {}).get("constraints", {}).get("enum") or []
    return [v for v in enum if v in present] + sorted(v for v in present if v not in enum)


def _fmt(value: Any, lang: str) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number(value, lang) if isinstance(value, float) else str(value)
    return "" if value is None else str(value)
