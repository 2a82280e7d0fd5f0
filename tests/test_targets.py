"""The target registry: a target defined here, registered with one line, is found and asked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.limits import portal_slot
from flows.secrets import target_token
from opendata.build import Build
from opendata.errors import PublishError
from opendata.settings import Settings
from publish import targets
from publish.base import BatchTarget, PublishResult, Target
from publish.targets import SecretSpec, TargetInfo, info_of, make_target, register, resolve_name


class Shelf:
    """A third target: files on a shelf (it only counts what it is given)."""

    name = "shelf"

    def __init__(self, root: Path) -> None:
        self.root = root

    def publish(
        self, build: Build, *, run_id: str | None = None, dry_run: bool = False, batch: str | None = None
    ) -> PublishResult:
        return PublishResult(build.manifest.slug, self.name, "created", self.root.as_uri(), build.row_count)


def _shelf(current: Settings, token: str | None) -> Target:
    return Shelf(current.build_root / "shelf")


@pytest.fixture
def shelf() -> Iterator[TargetInfo]:
    saved = dict(targets.REGISTRY)
    yield register(TargetInfo("shelf", _shelf, "files on a shelf", chosen_when=lambda s: s.ckan_dataset_prefix == "x"))
    targets.REGISTRY.clear()
    targets.REGISTRY.update(saved)


def test_a_target_defined_in_a_test_is_found_built_and_asked(
    shelf: TargetInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENDATA_BUILD", str(tmp_path / "build"))
    built = make_target("shelf")
    assert isinstance(built, Shelf) and built.root == (tmp_path / "build" / "shelf").resolve()
    assert info_of(built) is shelf and "shelf" in targets.names()
    assert target_token("shelf") is None  # it declares no secret: no Prefect Secret is looked up
    assert portal_slot(built).__class__.__name__ == "nullcontext"  # and takes no portal slot
    monkeypatch.setenv("CKAN_DATASET_PREFIX", "x")
    assert resolve_name("auto") == "shelf"  # its own rule for `auto`


def test_auto_picks_ckan_when_its_url_is_set_else_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CKAN_URL", raising=False)
    assert resolve_name("auto") == "local"
    monkeypatch.setenv("CKAN_URL", "http://portal.invalid")
    assert resolve_name("auto") == "ckan"


def test_what_ckan_declares() -> None:
    info = targets.REGISTRY["ckan"]
    assert info.portal_slot and info.secret == SecretSpec("CKAN_API_TOKEN", "ckan-api-token")
    assert not targets.REGISTRY["local"].portal_slot and targets.REGISTRY["local"].secret is None


def test_an_unknown_target_names_the_known_ones() -> None:
    with pytest.raises(PublishError, match="unknown target 'ftp'; use one of auto, local, ckan"):
        resolve_name("ftp")


def test_the_local_target_is_built_under_the_build_root(tmp_path: Path) -> None:
    built: Any = make_target("local", tmp_path / "b")
    assert built.name == "local" and built.root == (tmp_path / "b" / "catalog").resolve()


def test_only_a_target_that_declares_batches_has_the_per_run_step(shelf: TargetInfo, tmp_path: Path) -> None:
    """publish-all passes a batch (and later calls ``finish``) only where the registry says so."""
    assert targets.REGISTRY["local"].batches and isinstance(make_target("local", tmp_path), BatchTarget)
    assert not shelf.batches and not isinstance(make_target("shelf", tmp_path), BatchTarget)
    assert not targets.REGISTRY["ckan"].batches  # each dataset goes live on the portal as it is published


def test_the_shrink_guard_asks_the_target_for_its_rows(tmp_path: Path) -> None:
    """A target that cannot say what it publishes (no ``published_rows``) is not guarded."""
    from publish.guard import published_rows

    assert published_rows(Shelf(tmp_path), "x") is None
    assert published_rows(make_target("local", tmp_path), "x") is None  # nothing published yet
