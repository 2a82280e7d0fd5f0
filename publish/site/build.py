"""Write the site's pages from ``catalog.json``'s entries and the published files next to them.

Jinja2 renders the pages (autoescaped HTML templates a designer can edit); vl-convert renders
the charts to SVG; the only JavaScript is ``search.js`` (index filters) and ``copy-url.js``,
vendored here as project files. Each file is replaced atomically and only when it changed.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
from cronsim import CronSim
from jinja2 import Environment, PackageLoader, select_autoescape

from opendata.charts import ChartSpec
from opendata.excel import constraint_text
from publish.site import i18n
from publish.site.charts import render

STATIC = Path(__file__).parent / "static"
PREVIEW_ROWS = 10
CHART_DIR = "charts"
# Machine-readable descriptions of the whole catalog: linked from the index when present
# (catalog.json always: the local target writes it right after the site).
MACHINE_READABLE = [("catalog.json", "JSON"), ("catalog.rdf", "DCAT-AP RDF/XML"), ("catalog.ttl", "DCAT-AP Turtle")]


def write_site(root: Path, catalog: dict[str, Any], portal_url: str | None = None, cache: Path | None = None) -> None:
    """Index and dataset pages, per language, for the datasets in ``catalog``.

    ``cache``: a folder kept between builds, where drawn charts are reused (publish/site/charts.py).
    """
    datasets = catalog["datasets"]
    primary = _primary_language(datasets)
    languages = [primary] if primary == "en" else [primary, "en"]
    env = _environment()
    _copy_static(root)
    (root / CHART_DIR).mkdir(exist_ok=True)
    for lang in languages:
        pages = [_dataset_page(root, slug, entry, lang, primary, portal_url, cache) for slug, entry in datasets.items()]
        for page in pages:
            html = env.get_template("dataset.html.j2").render(
                **_common(lang, languages, page["slug"]), d=page, page_name=page["slug"]
            )
            _write_if_changed(root / _page_file(page["slug"], lang, primary), html)
        filters = _filters(pages, lang)
        index = env.get_template("index.html.j2").render(
            **_common(lang, languages, "index"),
            datasets=pages,
            filters=filters,
            machine=_machine(root),
            page_name="index",
        )
        _write_if_changed(root / _page_file("index", lang, primary), index)


def _machine(root: Path) -> list[tuple[str, str]]:
    """catalog.json, the catalog-wide DCAT files if written, then each publisher's."""
    from publish.local_dcat import publisher_catalogs

    found = [(n, label) for n, label in MACHINE_READABLE if n == "catalog.json" or (root / n).exists()]
    labels = dict(MACHINE_READABLE)
    return found + [(path, labels[path.rsplit("/", 1)[-1]]) for path in publisher_catalogs(root)]


def _page_file(name: str, lang: str, primary: str) -> str:
    return f"{name}.html" if lang == primary else f"{name}.{lang}.html"


def _primary_language(datasets: dict[str, Any]) -> str:
    counts = Counter(e.get("language", "sv") for e in datasets.values())
    return counts.most_common(1)[0][0] if counts else "sv"


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("publish.site", "templates"), autoescape=select_autoescape(["j2"]))
    env.trim_blocks = env.lstrip_blocks = True
    return env


def _common(lang: str, languages: list[str], name: str) -> dict[str, Any]:
    primary = languages[0]
    ui = i18n.UI[i18n.ui_lang(lang)]
    switch = [
        {"lang": other, "name": i18n.LANGUAGE_NAMES.get(other, other), "href": _page_file(name, other, primary)}
        for other in languages
        if other != lang
    ]
    return {"lang": lang, "ui": ui, "switch": switch, "home": _page_file("index", lang, primary)}


def _text(texts: dict[str, str], lang: str) -> tuple[str, str]:
    """The text in ``lang`` (or the first one there is) and the language it is really in."""
    if lang in texts:
        return texts[lang], lang
    first = next(iter(texts))
    return texts.get("en", texts[first]), "en" if "en" in texts else first


def _dataset_page(
    root: Path, slug: str, e: dict[str, Any], lang: str, primary: str, portal_url: str | None, cache: Path | None
) -> dict[str, Any]:
    data_lang = e.get("language", "sv")  # schema titles and descriptions are in the publisher's language
    title, title_lang = _text(e["title"], lang)
    description, description_lang = _text(e["description"], lang)
    folder = root / slug
    schema = _read_json(folder / "schema.json") or {"fields": []}
    fields = {f["name"]: f for f in schema.get("fields", [])}
    parquet = folder / "data.parquet"
    rows = pq.read_table(parquet).to_pylist() if parquet.exists() else []
    files = [
        {
            "name": f["path"].split("/")[-1],
            "href": f["path"],
            "format": f["format"],
            "size": i18n.size(f["bytes"], lang),
            "sha256": f["sha256"],
        }
        for f in e["files"]
    ]
    charts = []
    for i, raw in enumerate(e.get("charts", [])):
        chart = render(ChartSpec.model_validate(raw), rows, fields, lang, cache=cache / "charts" if cache else None)
        svg_name = f"{CHART_DIR}/{slug}-{i + 1}.{lang}.svg"
        _write_if_changed(root / svg_name, chart.svg)
        charts.append({"chart": chart, "src": svg_name, "id": f"chart-{i + 1}"})
    schedule = e.get("schedule") or {}
    return {
        "slug": slug,
        "href": _page_file(slug, lang, primary),
        "title": title,
        "title_lang": title_lang,
        "other_titles": [(code, text) for code, text in e["title"].items() if code != title_lang],
        "description": description,
        "description_lang": description_lang,
        "data_lang": data_lang,
        "sample": e.get("sample_data", False),
        "license": e["license"],
        "attribution": e.get("attribution"),
        "publisher": e["publisher"],
        "contact": e["contact"],
        "themes": [(code, i18n.theme(code, lang)) for code in e.get("themes", [])],
        "keywords": _text(e.get("keywords") or {lang: []}, lang)[0],
        "all_keywords": sorted({k for words in (e.get("keywords") or {}).values() for k in words}),
        "frequency": i18n.frequency(e["frequency"], lang),
        "frequency_code": e["frequency"],
        "rows": i18n.number(e["row_count"], lang),
        # catalog.json's dates.content_changed where the local target records it, else the extraction
        "last_change": (e.get("dates") or {}).get("content_changed")
        or (e.get("provenance") or {}).get("extracted_at", ""),
        "next_run": _next_run(schedule),
        "formats": sorted({f["format"] for f in e["files"] if f["path"].split("/")[-1].startswith("data.")}),
        "files": files,
        "dictionary": [
            {
                "name": f["name"],
                "title": f.get("title", ""),
                "description": f.get("description", ""),
                "type": f.get("type", "string"),
                "unit": f.get("unit", ""),
                "constraints": constraint_text(f.get("constraints", {})),
            }
            for f in fields.values()
        ],
        "preview_headers": [f.get("title") or f["name"] for f in fields.values()],
        "preview_names": list(fields),
        "preview": [[_cell(r.get(name), lang) for name in fields] for r in rows[:PREVIEW_ROWS]],
        "preview_caption": i18n.UI[i18n.ui_lang(lang)]["preview_caption"].format(
            n=min(PREVIEW_ROWS, len(rows)), total=i18n.number(len(rows), lang)
        ),
        "charts": charts,
        "definitions": _definitions(_read_json(folder / "datapackage.json") or {}),
        "portal": portal_url.rstrip("/") if portal_url else None,
    }


def _definitions(package: dict[str, Any]) -> list[dict[str, str]]:
    """What the source says its codes mean (e.g. Kolada's KPI titles and descriptions)."""
    found = []
    for source in (package.get("source_metadata") or {}).values():
        for items in source.values() if isinstance(source, dict) else []:
            if isinstance(items, list):
                found += [
                    {"id": str(i["id"]), "title": str(i.get("title", "")), "description": str(i.get("description", ""))}
                    for i in items
                    if isinstance(i, dict) and "id" in i
                ]
    return found


def _next_run(schedule: dict[str, Any]) -> str:
    if not schedule.get("cron"):
        return ""
    zone = ZoneInfo(schedule.get("timezone", "Europe/Stockholm"))
    upcoming = next(CronSim(schedule["cron"], datetime.now(zone).replace(second=0, microsecond=0)))
    return f"{upcoming:%Y-%m-%d %H:%M} ({zone.key})"


def _cell(value: Any, lang: str) -> str:
    if isinstance(value, float | bool) or (isinstance(value, int) and abs(value) >= 10_000):
        return i18n.number(value, lang)
    return "" if value is None else str(value)


def _filters(pages: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    ui = i18n.UI[i18n.ui_lang(lang)]

    def options(pairs: set[tuple[str, str]]) -> list[tuple[str, str]]:
        return sorted(pairs, key=lambda p: p[1])

    return [
        {"key": "theme", "label": ui["theme"], "options": options({t for p in pages for t in p["themes"]})},
        {
            "key": "publisher",
            "label": ui["publisher"],
            "options": options({(p["publisher"]["name"], p["publisher"]["name"]) for p in pages}),
        },
        {"key": "format", "label": ui["format"], "options": options({(f, f) for p in pages for f in p["formats"]})},
        {
            "key": "frequency",
            "label": ui["frequency"],
            "options": options({(p["frequency_code"], p["frequency"]) for p in pages}),
        },
    ]


def _read_json(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _copy_static(root: Path) -> None:
    target = root / "assets"
    target.mkdir(parents=True, exist_ok=True)
    for source in sorted(STATIC.iterdir()):
        if source.is_file() and (
            not (target / source.name).exists() or (target / source.name).read_bytes() != source.read_bytes()
        ):
            shutil.copyfile(source, target / f".{source.name}.tmp")
            os.replace(target / f".{source.name}.tmp", target / source.name)


def _write_if_changed(path: Path, text: str) -> None:
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
