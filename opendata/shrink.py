"""The shrink guard: a new version must not silently wipe or cut the published rows.

A header-only or truncated export is valid against its schema (every row present is fine),
so validation alone would publish it and replace, say, 37 public rows with 0. Before any
target is touched, the new row count is held against what the target has published and the
manifest's ``expect`` bounds; ``opendata publish --allow-shrink`` lets one run through.
"""

from __future__ import annotations

from opendata.errors import PublishError
from opendata.manifest import Manifest


class ShrinkRefused(PublishError):
    """The new version has too few rows compared with the published one or ``expect``."""


def check_rows(manifest: Manifest, new_rows: int, published_rows: int | None, *, allow: bool = False) -> None:
    """Raise ShrinkRefused, naming both counts and the fix, unless the change is allowed."""
    if allow:
        return
    expect = manifest.expect
    where = f"datasets/{manifest.slug}/dataset.yaml"
    fix = f"if that is right, set expect.min_rows or expect.max_drop in {where}, or run once with --allow-shrink"
    was = f" (the published version has {published_rows})" if published_rows is not None else ""
    if new_rows < expect.min_rows:
        raise ShrinkRefused(
            f"{manifest.slug}: the new version has {new_rows} rows{was}, fewer than expect.min_rows "
            f"({expect.min_rows}); nothing was published; {fix}"
        )
    if not published_rows or new_rows >= published_rows:
        return
    drop = (published_rows - new_rows) / published_rows
    if drop > expect.max_drop:
        raise ShrinkRefused(
            f"{manifest.slug}: the new version has {new_rows} rows where {published_rows} are published, "
            f"a drop of {drop:.0%} (expect.max_drop allows {expect.max_drop:.0%}); nothing was published; {fix}"
        )
