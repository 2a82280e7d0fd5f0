"""The local catalog's ``index.html``: a page a person can open without a server."""

from __future__ import annotations

from html import escape
from typing import Any

PAGE = """<!doctype html>
<html lang="sv">
<head><meta charset="utf-8"><title>Öppna data – lokal katalog</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
article{{border-top:1px solid #ccc;padding:1rem 0}} .sample{{color:#a40}}
td,th{{padding:.2rem .6rem;text-align:left}}</style>
</head>
<body>
<h1>Öppna data – lokal katalog</h1>
<p>{count} dataset. Maskinläsbar katalog: <a href="catalog.json">catalog.json</a>.
DCAT-AP-katalog för dataportal.se: <a href="catalog.rdf">catalog.rdf</a> (RDF/XML),
<a href="catalog.ttl">catalog.ttl</a> (Turtle).</p>
{articles}
</body>
</html>
"""


def render_index(catalog: dict[str, Any]) -> str:
    articles = [_article(slug, entry) for slug, entry in catalog["datasets"].items()]
    return PAGE.format(count=len(articles), articles="\n".join(articles))


def _article(slug: str, e: dict[str, Any]) -> str:
    title = escape(e["title"].get("sv") or next(iter(e["title"].values())))
    title_en = escape(e["title"].get("en", ""))
    description = escape(e["description"].get("sv") or next(iter(e["description"].values())))
    sample = '<p class="sample"><strong>Exempeldata</strong> – inte uppmätta siffror.</p>' if e["sample_data"] else ""
    rows = "".join(
        f'<tr><td><a href="{escape(f["path"])}">{escape(f["path"].split("/")[-1])}</a></td>'
        f"<td>{escape(f['format'])}</td><td>{f['bytes']:,}</td><td><code>{f['sha256'][:12]}…</code></td></tr>"
        for f in e["files"]
    )
    license_ = f'<a href="{escape(e["license"]["uri"])}">{escape(e["license"]["title"])}</a>'
    return (
        f'<article id="{escape(slug)}"><h2>{title}</h2><p><em>{title_en}</em></p>{sample}<p>{description}</p>'
        f"<p>Licens: {license_} · Rader: {e['row_count']} · Uppdateras: {escape(e['frequency'])}</p>"
        f"<table><tr><th>Fil</th><th>Format</th><th>Byte</th><th>SHA-256</th></tr>{rows}</table></article>"
    )
