"""Flows under a Prefect test server: one bad dataset fails alone, nothing is written for it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client

from flows.publish_dataset import publish_all, publish_dataset
from opendata.errors import ValidationFailed
from publish.local import LocalCatalog

pytestmark = pytest.mark.usefixtures("prefect_harness")


def bundled(project: Path) -> list[str]:
    return sorted(p.parent.name for p in (project / "datasets").glob("*/dataset.yaml"))


def break_skolor_wifi(project: Path) -> None:
    source = project / "datasets/skolor-wifi/source/wifi-inventering.csv"
    source.write_bytes(source.read_bytes().replace("väldimensionerat".encode("cp1252"), b"superbra", 1))


def test_publish_all_publishes_every_dataset(project: Path) -> None:
    state = publish_all(return_state=True)
    assert state.is_completed(), state.message
    outcomes = state.result()
    assert {o["slug"]: o["status"] for o in outcomes} == dict.fromkeys(bundled(project), "created")
    catalog = json.loads((project / "build/catalog/catalog.json").read_text(encoding="utf-8"))
    assert sorted(catalog["datasets"]) == bundled(project)
    # one batch: the site and DCAT files were written once, in one version, not once per dataset
    assert [p.name for p in (project / "build/.catalog/versions").iterdir()] == [
        os.readlink(project / "build/catalog").rsplit("/", 1)[-1]
    ]


def test_one_bad_dataset_fails_alone_and_nothing_is_written_for_it(project: Path) -> None:
    break_skolor_wifi(project)
    state = publish_all(return_state=True)
    assert state.is_failed()
    assert f"1 of {len(bundled(project))} dataset(s) failed: skolor-wifi" in (state.message or "")
    outcomes = {o["slug"]: o for o in state.result(raise_on_failure=False)}
    assert outcomes["skolor-wifi"]["status"] == "invalid"
    assert "line 2, column 'Wifi-status'" in outcomes["skolor-wifi"]["message"]
    assert {o["status"] for slug, o in outcomes.items() if slug != "skolor-wifi"} == {"created"}
    catalog = json.loads((project / "build/catalog/catalog.json").read_text(encoding="utf-8"))
    assert "skolor-wifi" not in catalog["datasets"]
    assert not (project / "build/catalog/skolor-wifi").exists()
    assert not (project / "build/work/skolor-wifi").exists()
    report = json.loads((project / "build/reports/skolor-wifi/validation-report.json").read_text(encoding="utf-8"))
    assert report["errors"][0]["value"] == "superbra"


def test_invalid_run_leaves_the_last_good_version(project: Path) -> None:
    publish_dataset("skolor-wifi")
    before = (project / "build/catalog/skolor-wifi/data.csv").read_bytes()
    break_skolor_wifi(project)
    with pytest.raises(ValidationFailed):
        publish_dataset("skolor-wifi")
    assert (project / "build/catalog/skolor-wifi/data.csv").read_bytes() == before


def test_flow_run_leaves_a_validation_artifact(project: Path) -> None:
    result = publish_dataset("strategi-uppfoljning")
    assert result["change"] == "created" and result["rows"] == 37
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts()
    by_key = {a.key: a for a in sorted(artifacts, key=lambda a: str(a.created))}  # the latest of each key
    assert "strategi-uppfoljning-validation" in by_key
    assert "**Valid**: 37 rows" in str(by_key["strategi-uppfoljning-validation"].data)
    assert "strategi-uppfoljning-published" in by_key


def test_a_catalog_that_cannot_be_written_fails_the_run_and_keeps_the_last_good_version(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_dataset("skolor-wifi")
    before = (project / "build/catalog/catalog.json").read_bytes()

    def disk_full(self: LocalCatalog, batch: str) -> list[str]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(LocalCatalog, "finish", disk_full)
    state = publish_all(return_state=True)
    assert state.is_failed()
    outcomes = {o["slug"]: o for o in state.result(raise_on_failure=False)}
    assert {o["status"] for o in outcomes.values()} == {"failed"}
    assert "No space left on device" in outcomes["bredband"]["message"]
    assert "the last good version stays live" in outcomes["bredband"]["message"]
    assert (project / "build/catalog/catalog.json").read_bytes() == before
