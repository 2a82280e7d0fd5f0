"""Where the flows find datasets and write builds: the project folder, or OPENDATA_HOME."""

from __future__ import annotations

import os
from pathlib import Path

from opendata.paths import ensure_outside_datasets


def project_root() -> Path:
    """OPENDATA_HOME if set, else the folder holding ``datasets/`` above this package."""
    env = os.environ.get("OPENDATA_HOME")
    return Path(env).resolve() if env else Path(__file__).resolve().parent.parent


def datasets_dir() -> Path:
    return project_root() / "datasets"


def build_root() -> Path:
    """OPENDATA_BUILD, else ``<project>/build``; never a dataset's folder (it is rewritten)."""
    env = os.environ.get("OPENDATA_BUILD")
    root = Path(env).resolve() if env else project_root() / "build"
    return ensure_outside_datasets(root, datasets_dir(), "build", "OPENDATA_BUILD")
