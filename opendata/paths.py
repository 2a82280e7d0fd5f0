"""Where the pipeline may read and write: sources inside their dataset, outputs outside any.

A manifest is a file anyone with write access to ``datasets/`` edits, and its ``source.path``
is read and published: ``../../.ckan/env`` or ``/etc/passwd`` would publish a secret as open
data. So a source path must resolve (symlinks followed) inside the dataset's folder, or
inside one of the roots listed in ``OPENDATA_ALLOWED_ROOTS`` (for exports on a shared drive).
The other way round, the pipeline deletes and rewrites its build folder, so no build,
report or archive location may be a dataset's folder or lie inside one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from opendata.errors import ManifestError

ALLOWED_ROOTS_ENV = "OPENDATA_ALLOWED_ROOTS"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,98}[a-z0-9]$")


def allowed_roots() -> list[Path]:
    """The extra source roots from OPENDATA_ALLOWED_ROOTS (``os.pathsep``-separated)."""
    from opendata.settings import settings  # settings imports this module

    value = settings().allowed_roots
    return [Path(p).expanduser().resolve() for p in value.split(os.pathsep) if p.strip()]


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def confined_source(manifest_path: Path, key: str, folder: Path, declared: str) -> Path:
    """The resolved source path, or a ManifestError when it points outside the allowed places."""
    resolved = (folder / declared).resolve()
    roots = [folder.resolve(), *allowed_roots()]
    if any(_inside(resolved, root) for root in roots):
        return resolved
    return _refuse(manifest_path, key, declared, folder)


def _refuse(manifest_path: Path, key: str, declared: str, folder: Path) -> Path:
    raise ManifestError(
        f"{manifest_path}: '{key}': {declared!r} lies outside the dataset folder {folder.name}/ "
        f"(symlinks are followed); put the file under {folder.name}/source/, or list its folder in "
        f"{ALLOWED_ROOTS_ENV} if exports live on a shared drive"
    )


def check_slug(slug: str) -> str:
    """A slug is a name, never a path: ``publish /abs/path`` must not reach the file system."""
    if not SLUG_RE.match(slug):
        raise ManifestError(
            f"'{slug}' is not a dataset slug: give the name of a folder under datasets/ "
            "(lowercase letters, digits and '-', e.g. strategi-uppfoljning), not a path"
        )
    return slug


def ensure_outside_datasets(location: Path, datasets_dir: Path, what: str, setting: str) -> Path:
    """Refuse an output location that is, or lies inside, the datasets folder or a dataset's folder."""
    resolved = location.resolve()
    datasets = datasets_dir.resolve()
    if _inside(resolved, datasets) or (resolved / "dataset.yaml").exists():
        raise ManifestError(
            f"the {what} location {resolved} is inside the datasets folder {datasets}; the pipeline "
            f"rewrites that location, so point {setting} somewhere else (e.g. build/)"
        )
    return resolved
