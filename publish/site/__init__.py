"""The local catalog as a small static site: an index with search and filters, and a page per
dataset (data dictionary, preview, charts, downloads, "use it"), in the publisher's language
and in English. Everything is written as files that work from ``file://`` and offline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_site(root: Path, catalog: dict[str, Any], portal_url: str | None = None, cache: Path | None = None) -> None:
    """See ``publish.site.build.write_site``; Jinja2 and vl-convert load only when a site is written."""
    from publish.site.build import write_site as write

    write(root, catalog, portal_url, cache)
