"""The shrink guard's rule (opendata.shrink): counts, bounds, and the sentence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from opendata.errors import ManifestError
from opendata.manifest import load_manifest
from opendata.shrink import ShrinkRefused, check_rows
from tests.helpers import write_dataset

FIELDS: list[dict[str, Any]] = [{"name": "a", "type": "string"}]


def manifest(tmp_path: Path, **extra: Any):
    return load_manifest(write_dataset(tmp_path, "demo", FIELDS, b"a\nx\n", **extra))


def test_zero_rows_are_refused_by_default_even_on_a_first_publish(tmp_path: Path) -> None:
    m = manifest(tmp_path)
    with pytest.raises(ShrinkRefused, match=r"demo: the new version has 0 rows, fewer than expect.min_rows \(1\)"):
        check_rows(m, 0, None)
    check_rows(m, 0, None, allow=True)


def test_a_drop_beyond_max_drop_names_both_counts_and_the_fix(tmp_path: Path) -> None:
    m = manifest(tmp_path)
    check_rows(m, 30, 37)  # 19 %: within the default 20 %
    with pytest.raises(ShrinkRefused) as refused:
        check_rows(m, 29, 37)
    message = str(refused.value)
    assert "has 29 rows where 37 are published, a drop of 22% (expect.max_drop allows 20%)" in message
    assert "datasets/demo/dataset.yaml" in message and "--allow-shrink" in message
    check_rows(m, 100, 37)  # growing is always fine


def test_the_manifest_can_allow_an_empty_or_much_smaller_version(tmp_path: Path) -> None:
    check_rows(manifest(tmp_path, expect={"min_rows": 0, "max_drop": 1}), 0, 37)


def test_expect_bounds_are_checked_by_the_model(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"'expect.max_drop'"):
        manifest(tmp_path, expect={"max_drop": 1.5})
    with pytest.raises(ManifestError, match=r"unknown key 'expect.min_row' \(did you mean 'min_rows'\?\)"):
        manifest(tmp_path, expect={"min_row": 3})
