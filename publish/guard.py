"""Checks that run before a target is touched: the shrink guard (see opendata.shrink)."""

from __future__ import annotations

from opendata.build import Build
from opendata.shrink import check_rows
from publish.base import Target


def published_rows(target: Target, slug: str) -> int | None:
    """What the target publishes for ``slug`` now, or None (nothing yet, or a target that
    cannot say: it declares no ``published_rows``, so the guard does not apply to it)."""
    count = getattr(target, "published_rows", None)
    rows = count(slug) if callable(count) else None
    return None if rows is None else int(rows)


def guard_shrink(target: Target, build: Build, *, allow: bool = False) -> None:
    """Refuse a version that would wipe or cut the published rows, unless allowed."""
    if allow:
        return
    check_rows(build.manifest, build.row_count, published_rows(target, build.manifest.slug))
