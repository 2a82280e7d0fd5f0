"""Where the flows find datasets and write builds: the project folder, or OPENDATA_HOME."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """OPENDATA_HOME if set, else the folder holding ``datasets/`` above this package."""
    env = os.environ.get("OPENDATA_HOME")
    return Path(env).resolve() if env else Path(__file__).resolve().parent.parent


def datasets_dir() -> Path:
    return project_root() / "datasets"


def build_root() -> Path:
    env = os.environ.get("OPENDATA_BUILD")
    return Path(env).resolve() if env else project_root() / "build"
