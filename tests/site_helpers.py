"""A local catalog with every bundled dataset, published once, for the site's tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from opendata import build
from opendata.manifest import load_manifest
from publish.local import LocalCatalog

ROOT = Path(__file__).resolve().parent.parent
SLUGS = ("bredband", "nyckeltal", "skolor-wifi", "strategi-uppfoljning")


def publish_all(tmp: Path, slugs: tuple[str, ...] = SLUGS) -> Path:
    shutil.copytree(ROOT / "datasets", tmp / "datasets")
    shutil.copytree(ROOT / "schemas", tmp / "schemas")
    shutil.copytree(ROOT / "publishers", tmp / "publishers")
    catalog = LocalCatalog(tmp / "catalog")
    for slug in slugs:
        m = load_manifest(tmp / "datasets" / slug)
        raw = build.extract(m, record=False)
        prepared, report = build.validate(m, build.parse(m, raw))
        catalog.publish(build.convert(m, prepared, report, raw, tmp / "work" / slug), run_id="run-1")
    return tmp / "catalog"
