"""The DataStore load paths' own logic, without a portal: waiting for xloader, polling, choosing.

The portal's answers are scripted (a stand-in for :class:`publish.ckan.client.CkanClient`'s
``call``); the same paths run against the real test portal in
tests/integration/test_ckan_datastore_paths.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendata.errors import PublishError, TransientPublishError
from publish.ckan import datastore_load
from publish.ckan.client import CkanClient


class Portal:
    """Answers ``call`` from a script of ``xloader_status`` answers; records every call."""

    url = "http://portal.test"

    def __init__(self, statuses: list[dict[str, Any]], submitted: bool = True, plugins: list[str] | None = None):
        self.statuses: Iterator[dict[str, Any]] = iter(statuses)
        self.submitted = submitted
        self.plugins = plugins or []
        self.calls: list[str] = []

    def call(self, action: str, **data: Any) -> Any:
        self.calls.append(action)
        if action == "xloader_submit":
            return self.submitted
        if action == "status_show":
            return {"extensions": self.plugins}
        if action == "xloader_status":
            return next(self.statuses)
        raise AssertionError(f"unexpected call {action}")


def client(portal: Portal) -> CkanClient:
    return cast(CkanClient, portal)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def running(message: str) -> dict[str, Any]:
    return {"status": "running", "task_info": {"logs": [{"message": message}]}}


def test_waits_for_the_job_and_reports_each_new_log_line_once():
    portal = Portal(
        [running("Copying to database..."), running("Copying to database..."), running("done"), {"status": "complete"}]
    )
    clock, said, beats = Clock(), list[str](), list[int]()
    status = datastore_load.run_xloader(
        client(portal),
        "r1",
        progress=said.append,
        heartbeat=lambda: beats.append(1),
        clock=clock,
        sleep=clock.sleep,
    )
    assert status["status"] == "complete"
    assert said == ["xloader running: Copying to database...", "xloader running: done", "xloader complete: complete"]
    assert portal.calls == ["xloader_submit"] + ["xloader_status"] * 4
    assert len(beats) == 3  # the run's lease is renewed while it waits


def test_polls_often_at_first_then_at_most_every_poll_seconds():
    portal = Portal([running("x")] * 200 + [{"status": "complete"}])
    clock = Clock()
    datastore_load.run_xloader(client(portal), "r1", progress=lambda s: None, clock=clock, sleep=clock.sleep, poll=2.0)
    assert clock.sleeps[0] == pytest.approx(0.25)
    assert clock.sleeps == sorted(clock.sleeps)  # never faster again
    assert max(clock.sleeps) == 2.0
    assert len(clock.sleeps) <= clock.now / 2.0 + 30  # about 30 quick looks more than a fixed 2 s poll


@given(st.floats(0, 10**5), st.floats(0.25, 60))
def test_poll_interval_stays_between_a_quarter_second_and_the_longest(elapsed, longest):
    wait = datastore_load.poll_interval(elapsed, longest)
    assert 0.25 <= wait <= longest
    assert wait == longest or wait == pytest.approx(0.25 + elapsed / 20)


def test_a_failed_job_is_one_sentence_naming_the_resource_and_the_way_out():
    portal = Portal(
        [running("Copying"), {"status": "error", "error": {"message": "extra data after last expected column"}}]
    )
    clock = Clock()
    with pytest.raises(PublishError) as caught:
        datastore_load.run_xloader(client(portal), "r1", progress=lambda s: None, clock=clock, sleep=clock.sleep)
    text = str(caught.value)
    assert "resource r1" in text and "extra data after last expected column" in text
    assert "CKAN_DATASTORE_LOAD=api" in text and "\n" not in text
    assert not isinstance(caught.value, TransientPublishError)


def test_a_job_that_never_finishes_is_transient_and_names_the_job_worker():
    portal = Portal([running("queued")] * 10_000)
    clock = Clock()
    with pytest.raises(TransientPublishError, match=r"within 60 s .*ckan jobs worker"):
        datastore_load.run_xloader(
            client(portal), "r1", progress=lambda s: None, timeout=60, clock=clock, sleep=clock.sleep
        )
    assert 60 < clock.now < 63


def test_a_refused_submit_says_which_setting_avoids_xloader():
    with pytest.raises(PublishError, match=r"refused to load resource r1 .*CKAN_DATASTORE_LOAD=api"):
        datastore_load.run_xloader(client(Portal([], submitted=False)), "r1")


def test_choose_reads_the_portal_only_when_the_setting_leaves_it_open():
    without = Portal([])
    assert datastore_load.choose(client(without), "api", 10**6)[0] == "api"
    assert datastore_load.choose(client(without), "auto", 10)[0] == "api"
    assert without.calls == []
    assert datastore_load.choose(client(without), "auto", 10**6) == (
        "api",
        "the portal has no ckanext-xloader (CKAN_DATASTORE_LOAD=auto)",
    )
    with pytest.raises(PublishError, match=r"does not run ckanext-xloader .*set CKAN_DATASTORE_LOAD=api or auto"):
        datastore_load.choose(client(without), "xloader", 10)
    assert datastore_load.choose(client(Portal([], plugins=["xloader"])), "auto", 10**6)[0] == "xloader"
