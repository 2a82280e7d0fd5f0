"""The local catalog target: created, then unchanged byte for byte, updated atomically."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from opendata import build
from opendata.build import Build
from opendata.manifest import load_manifest
from publish.local import LocalCatalog

ROOT = Path(__file__).resolve().parent.parent


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"
    }


def built(project: Path, slug: str, out: Path) -> Build:
    m = load_manifest(project / "datasets" / slug)
    raw = build.fetch(m)
    prepared, report = build.check(m, build.parse(m, raw))
    return build.convert(m, prepared, report, raw, out)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "datasets", tmp_path / "datasets")
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    return tmp_path


def test_publish_twice_changes_nothing(copy: Path) -> None:
    catalog = LocalCatalog(copy / "catalog")
    first = catalog.publish(built(copy, "skolor-wifi", copy / "w1"), run_id="run-1")
    assert first.change == "created" and {f.change for f in first.files} == {"created"}
    before = snapshot(copy / "catalog")
    second = catalog.publish(built(copy, "skolor-wifi", copy / "w2"), run_id="run-2")
    assert second.change == "unchanged" and {f.change for f in second.files} == {"unchanged"}
    assert snapshot(copy / "catalog") == before
    entry = json.loads((copy / "catalog/catalog.json").read_text())["datasets"]["skolor-wifi"]
    assert entry["provenance"]["flow_run_id"] == "run-1"  # provenance describes the content


def test_changed_source_updates_only_the_changed_files(copy: Path) -> None:
    catalog = LocalCatalog(copy / "catalog")
    catalog.publish(built(copy, "skolor-wifi", copy / "w1"), run_id="run-1")
    source = copy / "datasets/skolor-wifi/source/wifi-inventering.csv"
    source.write_bytes(source.read_bytes().replace(b";46;", b";47;"))
    result = catalog.publish(built(copy, "skolor-wifi", copy / "w2"), run_id="run-2")
    changes = {f.key: f.change for f in result.files}
    assert result.change == "updated"
    assert changes["data-csv"] == changes["data-parquet"] == "updated"
    assert changes["table-schema"] == "unchanged"
    assert b",47," in (copy / "catalog/skolor-wifi/data.csv").read_bytes()
    entry = json.loads((copy / "catalog/catalog.json").read_text())["datasets"]["skolor-wifi"]
    assert entry["provenance"]["flow_run_id"] == "run-2"


def test_dry_run_writes_nothing(copy: Path) -> None:
    result = LocalCatalog(copy / "catalog").publish(built(copy, "bredband", copy / "w"), dry_run=True)
    assert result.change == "created" and result.dry_run
    assert not (copy / "catalog/catalog.json").exists() and not (copy / "catalog/bredband").exists()


def test_failed_copy_leaves_the_last_good_version(copy: Path) -> None:
    catalog = LocalCatalog(copy / "catalog")
    catalog.publish(built(copy, "skolor-wifi", copy / "w1"))
    before = snapshot(copy / "catalog")
    source = copy / "datasets/skolor-wifi/source/wifi-inventering.csv"
    source.write_bytes(source.read_bytes().replace(b";46;", b";47;"))
    broken = built(copy, "skolor-wifi", copy / "w2")
    (broken.directory / "data.parquet").unlink()  # the copy into the catalog fails half-way
    with pytest.raises(FileNotFoundError):
        catalog.publish(broken)
    assert snapshot(copy / "catalog") == before
    again = catalog.publish(built(copy, "skolor-wifi", copy / "w3"))  # and a re-run converges
    assert again.change == "updated"


def consistent_view(root: Path) -> dict[str, str]:
    """Every file catalog.json lists is served with the hash it lists: {slug: content_hash}."""
    import hashlib

    catalog = json.loads((root / "catalog.json").read_text(encoding="utf-8"))
    for entry in catalog["datasets"].values():
        for f in entry["files"]:
            assert hashlib.sha256((root / f["path"]).read_bytes()).hexdigest() == f["sha256"], f["path"]
    return {slug: e["content_hash"] for slug, e in catalog["datasets"].items()}


STEPS = ["_store_files", "_write_version", "_swap", "_collect_garbage"]


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("step", STEPS)
def test_a_failure_at_any_step_shows_old_or_new_never_a_mix(
    copy: Path, monkeypatch: pytest.MonkeyPatch, step: str, when: str
) -> None:
    catalog = LocalCatalog(copy / "catalog")
    catalog.publish(built(copy, "skolor-wifi", copy / "w1"))
    catalog.publish(built(copy, "bredband", copy / "b1"))
    old = consistent_view(copy / "catalog")
    before = snapshot(copy / "catalog")
    source = copy / "datasets/skolor-wifi/source/wifi-inventering.csv"
    source.write_bytes(source.read_bytes().replace(b";46;", b";47;"))
    new_build = built(copy, "skolor-wifi", copy / "w2")
    original = getattr(LocalCatalog, step)

    def injected(self: LocalCatalog, *args: object) -> object:
        if when == "after":
            original(self, *args)
        raise RuntimeError(f"injected {when} {step}")

    monkeypatch.setattr(LocalCatalog, step, injected)
    with pytest.raises(RuntimeError, match="injected"):
        catalog.publish(new_build)
    view = consistent_view(copy / "catalog")
    swapped = STEPS.index(step) > STEPS.index("_swap") or (step == "_swap" and when == "after")
    if swapped:
        assert view["skolor-wifi"] == new_build.content_hash and view["bredband"] == old["bredband"]
    else:
        assert view == old and snapshot(copy / "catalog") == before
    monkeypatch.undo()
    again = catalog.publish(built(copy, "skolor-wifi", copy / "w3"))  # a re-run converges
    assert again.change == ("unchanged" if swapped else "updated")
    assert consistent_view(copy / "catalog")["skolor-wifi"] == new_build.content_hash
    assert b",47," in (copy / "catalog/skolor-wifi/data.csv").read_bytes()


def test_old_versions_are_collected_and_an_older_real_folder_layout_is_taken_over(copy: Path) -> None:
    legacy = copy / "catalog"
    LocalCatalog(legacy).publish(built(copy, "bredband", copy / "b1"))
    # Rebuild the pre-version layout by hand: real folders and catalog.json in build/catalog.
    real = copy / "real"
    shutil.copytree(legacy, real, symlinks=False)
    legacy.unlink()
    shutil.rmtree(copy / ".catalog")
    real.rename(legacy)
    catalog = LocalCatalog(legacy)
    for n in range(4):
        source = copy / "datasets/skolor-wifi/source/wifi-inventering.csv"
        source.write_bytes(source.read_bytes().replace(f";{46 + n};".encode(), f";{47 + n};".encode()))
        catalog.publish(built(copy, "skolor-wifi", copy / f"w{n}"))
    assert legacy.is_symlink()
    assert set(consistent_view(legacy)) == {"bredband", "skolor-wifi"}
    assert len([p for p in (copy / ".catalog/versions").iterdir()]) == 2
    assert len(list((copy / ".catalog/data/skolor-wifi").iterdir())) == 2
    assert not list((copy / ".catalog").glob("legacy-*"))


def versions(copy: Path) -> list[str]:
    return sorted(p.name for p in (copy / ".catalog/versions").iterdir() if not p.name.startswith("."))


def test_a_batch_stays_staged_until_finish_then_goes_live_in_one_version(copy: Path) -> None:
    catalog = LocalCatalog(copy / "catalog")
    catalog.publish(built(copy, "skolor-wifi", copy / "w0"))
    live_before, versions_before = snapshot(copy / "catalog"), versions(copy)
    first = catalog.publish(built(copy, "bredband", copy / "w1"), run_id="r", batch="run-7")
    second = catalog.publish(built(copy, "strategi-uppfoljning", copy / "w2"), run_id="r", batch="run-7")
    assert first.change == second.change == "created"
    assert snapshot(copy / "catalog") == live_before and versions(copy) == versions_before  # nothing live yet
    catalog._collect_garbage()  # another run's clean-up must not take the staged files away
    assert catalog.finish("run-7") == ["catalog: 2 dataset(s) made live in one version"]
    assert len(versions(copy)) == 2 and versions(copy)[0] == versions_before[-1]  # one new version
    live = json.loads((copy / "catalog/catalog.json").read_text())["datasets"]
    assert sorted(live) == ["bredband", "skolor-wifi", "strategi-uppfoljning"]
    assert (copy / "catalog/bredband/data.csv").is_file() and (copy / "catalog/bredband.html").is_file()
    assert "strategi-uppfoljning" in (copy / "catalog/catalog.rdf").read_text()
    assert not (copy / ".catalog/pending/run-7").exists()
    assert catalog.finish("run-7") == []  # finishing again (a retried task) changes nothing


def test_an_unchanged_dataset_in_a_batch_stages_nothing(copy: Path) -> None:
    catalog = LocalCatalog(copy / "catalog")
    catalog.publish(built(copy, "skolor-wifi", copy / "w0"))
    before = snapshot(copy / "catalog")
    assert catalog.publish(built(copy, "skolor-wifi", copy / "w1"), batch="b").change == "unchanged"
    assert catalog.finish("b") == [] and snapshot(copy / "catalog") == before


def test_a_batch_that_never_finished_is_dropped_when_stale(copy: Path) -> None:
    import os
    import time

    catalog = LocalCatalog(copy / "catalog")
    catalog.publish(built(copy, "bredband", copy / "w1"), batch="dead-run")
    pending = copy / ".catalog/pending/dead-run"
    old = time.time() - 2 * 24 * 3600
    os.utime(pending, (old, old))
    catalog.publish(built(copy, "skolor-wifi", copy / "w2"))  # a later run's clean-up
    assert not pending.exists() and not list((copy / ".catalog/data/bredband").iterdir())
    assert sorted(json.loads((copy / "catalog/catalog.json").read_text())["datasets"]) == ["skolor-wifi"]
