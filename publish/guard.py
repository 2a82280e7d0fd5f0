"""Checks that run before a target is touched: the shrink guard (see opendata.shrink)."""

from __future__ import annotations

from opendata.build import Build
from opendata.shrink import check_rows
from publish.base import Target


def published_rows(target: Target, slug: str) -> int | None:
    """What the target publishes for ``slug`` now, or None (nothing yet, or unknown target)."""
    if target.name == "local":
        from publish.local import LocalCatalog

        assert isinstance(target, LocalCatalog)
        entry = target.read_catalog()["datasets"].get(slug)
        return int(entry["row_count"]) if entry else None
    if target.name == "ckan":
        from publish.ckan import CkanTarget
        from publish.ckan_metadata import dataset_name
        from publish.ckan_rows import published_rows as ckan_rows

        assert isinstance(target, CkanTarget)
        return ckan_rows(target.client, dataset_name(target.prefix, slug))
    return None


def guard_shrink(target: Target, build: Build, *, allow: bool = False) -> None:
    """Refuse a version that would wipe or cut the published rows, unless allowed."""
    if allow:
        return
    check_rows(build.manifest, build.row_count, published_rows(target, build.manifest.slug))
