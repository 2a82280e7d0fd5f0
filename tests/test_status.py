"""`opendata status` and `history`: what ran, read from the run log in the archive (and Prefect)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from opendata.cli import app
from opendata.extract import archive_for
from opendata.manifest import load_manifest
from opendata.status import next_run, runs

runner = CliRunner()


@pytest.fixture
def no_prefect(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))  # no local server recorded


def record(project: Path, *entries: dict[str, object]) -> None:
    archive = archive_for(load_manifest(project / "datasets/skolor-wifi"))
    for entry in entries:
        archive.record_run(entry)


VALID = {"valid": True, "target": "local", "change": "created", "rows": 4, "url": "file:///x/", "snapshot": "s1"}


def test_history_marks_each_run_valid_or_invalid_and_what_changed(project: Path, no_prefect: None) -> None:
    record(
        project,
        VALID,
        {**VALID, "change": "unchanged"},
        {"valid": False, "target": "local", "errors": 2, "message": "skolor-wifi: 2 error(s) in x.csv"},
        {**VALID, "change": "updated", "snapshot": "s2"},
    )
    recorded = runs(load_manifest(project / "datasets/skolor-wifi"))
    assert [r.result for r in recorded] == ["valid", "invalid", "valid", "valid"]
    assert [r.source_changed for r in recorded] == [True, None, False, None]
    done = runner.invoke(app, ["history", "skolor-wifi"], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    assert "updated (new source data)" in done.output
    assert "unchanged (same source data)" in done.output
    assert "invalid" in done.output and "2 error(s)" in done.output


def test_status_without_prefect_reads_the_archive_log(project: Path, no_prefect: None) -> None:
    record(project, VALID)
    done = runner.invoke(app, ["status"], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    line = next(x for x in done.output.splitlines() if "skolor-wifi" in x)
    assert "valid" in line and "local: created" in line
    assert "never run" in next(x for x in done.output.splitlines() if "bredband" in x)
    assert "No Prefect server known" in done.output


def test_status_says_when_the_known_prefect_server_does_not_answer(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # nothing listens on port 9
    done = runner.invoke(app, ["status"], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    assert "[Prefect at http://127.0.0.1:9/api did not answer]" in done.output


def test_history_of_a_dataset_never_run(project: Path, no_prefect: None) -> None:
    done = runner.invoke(app, ["history", "bredband"])
    assert done.exit_code == 0 and "no run recorded yet" in done.output


def test_next_run_follows_the_cron_in_its_time_zone(project: Path) -> None:
    manifest = load_manifest(project / "datasets/skolor-wifi")  # "0 6 1 1,4,7,10 *", Europe/Stockholm
    now = datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("UTC"))
    assert next_run(manifest, now).isoformat() == "2027-01-01T06:00:00+01:00"


@pytest.mark.usefixtures("prefect_harness")
def test_status_asks_a_known_prefect_server(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import PREFECT_API_URL

    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
    done = runner.invoke(app, ["status"], env={"COLUMNS": "250"})
    assert done.exit_code == 0, done.output
    assert "[Prefect: no runs of its deployment yet]" in done.output  # the query was accepted


@pytest.mark.usefixtures("prefect_harness")
def test_a_dataset_with_todo_texts_is_not_published_by_the_flow(project: Path) -> None:
    from flows.publish_dataset import publish_dataset
    from opendata.scaffold import scaffold

    scaffold(
        project, "publik-wifi", Path(__file__).parent / "fixtures/steward/publik-wifi.csv", publisher="ornskoldsvik"
    )
    state = publish_dataset("publik-wifi", target="local", return_state=True)
    assert state.is_failed()
    assert "not published until it is described" in str(state.result(raise_on_failure=False))
    assert not (project / "build/catalog/publik-wifi").exists()
    (run,) = runs(load_manifest(project / "datasets/publik-wifi"))
    assert run.result == "failed"


@pytest.mark.usefixtures("prefect_harness")
def test_the_flow_records_an_invalid_run(project: Path) -> None:
    from flows.publish_dataset import publish_dataset

    source = project / "datasets/skolor-wifi/source/wifi-inventering.csv"
    source.write_bytes(source.read_bytes().replace("väldimensionerat".encode("cp1252"), b"superbra", 1))
    state = publish_dataset("skolor-wifi", target="local", return_state=True)
    assert state.is_failed()
    (run,) = runs(load_manifest(project / "datasets/skolor-wifi"))
    assert run.result == "invalid" and "error(s)" in run.where
