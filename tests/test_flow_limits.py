"""One run of a dataset at a time in the flows: ``flows.limits.dataset_slot``."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from flows.limits import DATASET_LIMIT, dataset_slot


@pytest.fixture
def build_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OPENDATA_BUILD", str(tmp_path / "build"))
    return tmp_path / "build"


def test_a_second_run_of_the_same_dataset_waits_for_the_first(prefect_harness, build_dir) -> None:
    events: list[str] = []
    inside = threading.Event()

    def second() -> None:
        inside.wait(30)
        with dataset_slot("skolor-wifi"):
            events.append("second in")

    other = threading.Thread(target=second)
    other.start()
    with dataset_slot("skolor-wifi"):
        inside.set()
        time.sleep(1.0)  # the second run is trying meanwhile
        events.append("first out")
    other.join(timeout=60)
    assert events == ["first out", "second in"]
    assert (build_dir / ".locks" / "skolor-wifi.lock").exists()


def test_other_datasets_do_not_wait_and_the_prefect_limit_has_one_slot(prefect_harness, build_dir) -> None:
    from prefect.client.orchestration import get_client

    with dataset_slot("skolor-wifi"), dataset_slot("bredband"):  # would deadlock if they shared a lock
        pass
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(DATASET_LIMIT.format(slug="bredband"))
    assert limit.limit == 1
