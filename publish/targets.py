"""Choose a target by name: ``local``, ``ckan``, or ``auto`` (CKAN when CKAN_URL is set)."""

from __future__ import annotations

import os
from pathlib import Path

from opendata.errors import PublishError
from publish.base import Target
from publish.local import LocalCatalog

TARGETS = ("auto", "local", "ckan")


def resolve_name(name: str) -> str:
    if name not in TARGETS:
        raise PublishError(f"unknown target '{name}'; use one of {', '.join(TARGETS)}")
    if name == "auto":
        return "ckan" if os.environ.get("CKAN_URL") else "local"
    return name


def make_target(name: str, build_root: Path, *, ckan_token: str | None = None) -> Target:
    """``ckan_token``: a token found elsewhere (a Prefect Secret); CKAN_API_TOKEN wins over it."""
    resolved = resolve_name(name)
    if resolved == "local":
        return LocalCatalog(build_root / "catalog")
    from publish.ckan import CkanTarget  # only when asked: keeps ckanapi off the local path

    return CkanTarget.from_env(token=ckan_token)
