"""Builders for small throwaway datasets, so each test states only what it is about."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from flows.outcomes import Outcome

BASE_MANIFEST: dict[str, Any] = {
    "title": {"sv": "Testdata", "en": "Test data"},
    "description": {"sv": "Data för tester.", "en": "Data for tests."},
    "license": "CC0-1.0",
    "publisher": {
        "name": "Testkommunen",
        "uri": "https://example.org/",
        "organization": "testkommunen",
        "country": "SE",
        "organization_number": "212000-0001",  # test value, not a real organisation
    },
    "contact": {"name": "Test Testsson", "email": "test@example.org"},
    "themes": ["GOVE"],
    "spatial": {"name": "Testkommunen", "municipality_code": "2284", "geonames": "2686466"},
    "frequency": "ANNUAL",
    "schedule": {"cron": "0 6 1 * *"},
}


def write_dataset(
    root: Path,
    slug: str,
    fields: list[dict[str, Any]],
    source: bytes,
    source_settings: dict[str, Any] | None = None,
    primary_key: list[str] | None = None,
    **manifest: Any,
) -> Path:
    """datasets/<slug>/ with a manifest, a source file and schemas/<slug>.schema.json."""
    folder = root / "datasets" / slug
    (folder / "source").mkdir(parents=True, exist_ok=True)
    settings = {"type": "csv", "path": "source/data.csv", **(source_settings or {})}
    (folder / settings["path"]).write_bytes(source)
    (folder / "dataset.yaml").write_text(
        yaml.safe_dump({**BASE_MANIFEST, "source": settings, **manifest}, allow_unicode=True), encoding="utf-8"
    )
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if primary_key:
        schema["primaryKey"] = primary_key
    (root / "schemas").mkdir(exist_ok=True)
    (root / "schemas" / f"{slug}.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    return folder


@contextmanager
def cpu_burner(seconds: float) -> Iterator[None]:
    """Every core busy, as on a shared municipal server: one busy loop per core.

    Each loop ends on its own after ``seconds`` (so a crashed test never leaves one behind),
    and is killed when the block ends.
    """
    loop = f"import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"
    burners = [subprocess.Popen([sys.executable, "-c", loop]) for _ in range(os.cpu_count() or 2)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def outcomes_of(state: Any) -> list[Outcome]:
    """The per-dataset outcomes ``publish_all`` returned, completed or failed."""
    data = state.result(raise_on_failure=False)
    assert isinstance(data, list) and all(isinstance(o, Outcome) for o in data), data
    return data
